// SPDX-License-Identifier: Apache-2.0
#include "tables/table_sql.hpp"
#include "airsql/error.hpp"
#include "airsql/tables.hpp"
#include "catch.hpp"
#include "tables/input_elements.hpp"

using namespace airsql;

TEST_CASE("a CREATE TABLE splits into columns, their types and constraints", "[tables][sql]") {
    auto parts = tables::split_create_table(
        "CREATE TABLE \"t\" (id INTEGER PRIMARY KEY AUTOINCREMENT, \"full name\" VARCHAR(20) "
        "NOT NULL DEFAULT 'x, y' CHECK (length(\"full name\") > 0), status TEXT CHECK (status "
        "IN ('a', 'b')), ref INT REFERENCES p(id) ON DELETE SET NULL NOT DEFERRABLE, "
        "g GENERATED ALWAYS AS (id * 2) STORED, UNIQUE (ref, status)) STRICT");
    CHECK(parts.head == "CREATE TABLE \"t\" (");
    CHECK(parts.tail == ") STRICT");
    REQUIRE(parts.elements.size() == 6);
    const auto& full = parts.elements[1];
    CHECK(full.is_column);
    CHECK(full.name == "full name");
    CHECK(full.type == "VARCHAR(20)");
    REQUIRE(full.constraints.size() == 3);
    CHECK(full.constraints[0].k == tables::column_constraint::not_null);
    CHECK(full.constraints[1].text == "DEFAULT 'x, y'");
    CHECK(full.constraints[2].k == tables::column_constraint::check);
    const auto& ref = parts.elements[3];
    REQUIRE(ref.constraints.size() == 1);  // SET NULL and NOT DEFERRABLE belong to REFERENCES
    CHECK(ref.constraints[0].k == tables::column_constraint::references);
    CHECK(parts.elements[4].type.empty());
    CHECK(parts.elements[4].constraints[0].k == tables::column_constraint::generated);
    CHECK_FALSE(parts.elements[5].is_column);
    CHECK(tables::column_text(full) ==
          "\"full name\" VARCHAR(20) NOT NULL DEFAULT 'x, y' CHECK (length(\"full name\") > 0)");
}

TEST_CASE("CHECK-IN lists are recognised per column", "[tables][sql]") {
    CHECK(tables::is_items_check("CHECK (status IN ('a', 'b'))", "status"));
    CHECK(tables::is_items_check("CONSTRAINT c CHECK (\"Status\" IN ('a', -1, 2.5))", "status"));
    CHECK_FALSE(tables::is_items_check("CHECK (status IN ('a') AND 1)", "status"));
    CHECK_FALSE(tables::is_items_check("CHECK (other IN ('a'))", "status"));
    CHECK_FALSE(tables::is_items_check("CHECK (status IN (SELECT x FROM t))", "status"));
}

TEST_CASE("user expressions and type names cannot escape their place", "[tables][sql]") {
    CHECK_NOTHROW(tables::check_expression("length(x) > 0 AND x != ')'", "check", 100));
    CHECK_THROWS_AS(tables::check_expression("1) , evil TEXT, CHECK (1", "check", 100), error);
    CHECK_THROWS_AS(tables::check_expression("1; DROP TABLE t", "check", 100), error);
    CHECK_THROWS_AS(tables::check_expression("1 -- )", "check", 100), error);
    CHECK_THROWS_AS(tables::check_expression("(1", "check", 100), error);
    CHECK_THROWS_AS(tables::check_expression("'open", "check", 100), error);
    CHECK_THROWS_AS(tables::check_expression(std::string(101, '1'), "check", 100), error);
    CHECK_NOTHROW(tables::check_type_name(""));
    CHECK_NOTHROW(tables::check_type_name("TEXT_COLOR_HEX"));
    CHECK_NOTHROW(tables::check_type_name("DECIMAL(10, 2)"));
    CHECK_NOTHROW(tables::check_type_name("UNSIGNED BIG INT"));
    CHECK_THROWS_AS(tables::check_type_name("TEXT PRIMARY KEY"), error);
    CHECK_THROWS_AS(tables::check_type_name("TEXT NOT NULL"), error);
    CHECK_THROWS_AS(tables::check_type_name("INT)"), error);
    CHECK_THROWS_AS(tables::check_type_name("INT(1) x"), error);
    CHECK_THROWS_AS(tables::check_type_name("\"x\""), error);
    CHECK_NOTHROW(tables::check_type_name(std::string(100, 'T')));
    CHECK_THROWS_AS(tables::check_type_name(std::string(101, 'T')), error);
}

TEST_CASE("declared types map to input elements, Extra Types included", "[tables][types]") {
    CHECK(input_element_for("TEXT", false) == "InputText");
    CHECK(input_element_for("", false) == "InputText");
    CHECK(input_element_for("TEXT_DATE", false) == "InputDate");
    CHECK(input_element_for("TEXT_DATETIME", false) == "InputDateTime");
    CHECK(input_element_for("text_color_hex", false) == "InputColor");
    CHECK(input_element_for("TEXT_URL", false) == "InputUrl");
    CHECK(input_element_for("TEXT_EMAIL", false) == "InputEmail");
    CHECK(input_element_for("INT_STARS", false) == "InputStars");
    CHECK(input_element_for("INT_STARS_10", false) == "InputStars");
    CHECK(input_element_for("BLOB_IMAGE_PNG", false) == "InputFile");
    CHECK(input_element_for("BLOB", false) == "InputFile");
    CHECK(input_element_for("INTEGER", false) == "InputNumber");
    CHECK(input_element_for("REAL_MONEY_EUR", false) == "InputMoney");
    CHECK(input_element_for("REAL", false) == "InputNumber");
    CHECK(input_element_for("BOOLEAN", false) == "InputCheckbox");
    CHECK(input_element_for("TEXT_DATEX", false) == "InputText");  // not TEXT_DATE_…
    CHECK(input_element_for("TEXT_JSON_ARRAY", false) == "InputJson");
    CHECK(input_element_for("INTEGER", true) == "InputSelect");
    CHECK(tables::validations_for("INT_STARS") == column_validations{1, 5});
    CHECK(tables::validations_for("REAL_PERCENT") == column_validations{0, 100});
    CHECK_FALSE(tables::validations_for("TEXT").has_value());
}
