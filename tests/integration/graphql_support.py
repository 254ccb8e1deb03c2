"""Helpers shared by the test_graphql*.py modules: a GraphQL request helper, assertions on the
GraphQL response envelope, and the artists/albums/tracks fixture."""

from __future__ import annotations

import json
import urllib.parse

from harness import Response, ServerModuleTest

GRAPHQL_MEDIA = "application/graphql-response+json"
FULL = {"X-Airsql-Schema": "full"}
AIRGQL = {"X-Airsql-Schema": "airgql"}

# Three tables linked by foreign keys; album 1 has a cover (a file column), album 6 no artist.
MUSIC_SQL = """
CREATE TABLE artists (id INTEGER PRIMARY KEY, name TEXT NOT NULL, born INTEGER);
CREATE TABLE albums (id INTEGER PRIMARY KEY, title TEXT NOT NULL,
                     artist_id INTEGER REFERENCES artists(id), year INTEGER, cover BLOB);
CREATE TABLE tracks (id INTEGER PRIMARY KEY, name TEXT NOT NULL,
                     album_id INTEGER NOT NULL REFERENCES albums(id), ms INTEGER);
INSERT INTO artists VALUES (1, 'AC/DC', 1973), (2, 'Accept', NULL), (3, 'Aerosmith', 1970),
                           (4, 'Black Sabbath', 1968), (5, 'Queen', 1970);
INSERT INTO albums VALUES (1, 'For Those About To Rock', 1, 1981, x'89504e47'),
                          (2, 'Let There Be Rock', 1, 1977, NULL),
                          (3, 'Balls to the Wall', 2, 1983, NULL),
                          (4, 'Restless and Wild', 2, 1982, NULL),
                          (5, 'Big Ones', 3, 1994, NULL),
                          (6, 'Unknown Artist Album', NULL, NULL, NULL);
INSERT INTO tracks VALUES (1, 'For Those About To Rock', 1, 343719),
                          (2, 'Put The Finger On You', 1, 205662),
                          (3, 'Go Down', 2, 331180),
                          (4, 'Balls to the Wall', 3, 342562),
                          (5, 'Fast As a Shark', 4, 230619),
                          (6, 'Walk On Water', 5, 295680);
"""


def dump(value) -> str:
    return json.dumps(value, indent=None, sort_keys=False)


class GraphQLTestCase(ServerModuleTest):
    """Adds `gql()` and assertions on `{"data", "errors"}` responses."""

    def gql(self, db: str, query: str, variables=None, *, token=..., headers=None,
            operation_name: str | None = None, path: str | None = None,
            extra: dict | None = None, timeout: float | None = None) -> Response:
        """POST a GraphQL request to /dbs/<db>/graphql (or `path`)."""
        body = {"query": query}
        if variables is not None:
            body["variables"] = variables
        if operation_name is not None:
            body["operationName"] = operation_name
        if extra:
            body.update(extra)
        return self.client.post(path or f"/dbs/{db}/graphql", body, token=token,
                                headers=headers, timeout=timeout)

    def gql_get(self, path: str, params: dict, *, token=..., headers=None) -> Response:
        return self.client.get(f"{path}?{urllib.parse.urlencode(params)}", token=token,
                               headers=headers)

    # -- assertions

    def assertGqlEnvelope(self, res: Response, status=200, media: str = "application/json",
                          msg: str = "") -> dict:
        prefix = f"{msg}: " if msg else ""
        self.assertStatus(res, status, msg)
        ctype = (res.header("Content-Type") or "").split(";")[0].strip()
        if ctype != media:
            self.fail(f"{prefix}expected Content-Type {media}\n{res.describe()}")
        if not isinstance(res.body, dict):
            self.fail(f"{prefix}GraphQL response is not a JSON object\n{res.describe()}")
        extra = set(res.body) - {"data", "errors", "extensions"}
        if extra:
            self.fail(f"{prefix}unexpected top-level keys {sorted(extra)}\n{res.describe()}")
        return res.body

    def assertGqlData(self, res: Response, expected=..., msg: str = "", *, status=200,
                      media: str = "application/json"):
        """200, no `errors`, and (when given) `data` equal to `expected`. Returns `data`."""
        body = self.assertGqlEnvelope(res, status, media, msg)
        prefix = f"{msg}: " if msg else ""
        if "errors" in body:
            self.fail(f"{prefix}expected no GraphQL errors\n{res.describe()}")
        if "data" not in body or not isinstance(body["data"], dict):
            self.fail(f"{prefix}expected a `data` object\n{res.describe()}")
        if expected is not ...:
            if body["data"] != expected:
                self.fail(f"{prefix}unexpected data\nexpected: {dump(expected)}\n"
                          f"got:      {dump(body['data'])}\n{res.describe()}")
        return body["data"]

    def assertGqlErrors(self, res: Response, contains: str | tuple | None = None, *,
                        status=200, media: str = "application/json", data=...,
                        path=..., has_path: bool | None = None, locations: bool | list = True,
                        count: int | None = None, msg: str = "") -> list:
        """A response carrying GraphQL errors. `data=...` skips the check on `data`; `data=None`
        demands `"data": null`; `data=ABSENT` demands no `data` key. `path` checks the first
        error's path; `has_path` whether every error has one. `locations=True` demands
        well-formed locations on the first error; a list compares them."""
        body = self.assertGqlEnvelope(res, status, media, msg)
        prefix = f"{msg}: " if msg else ""
        errors = body.get("errors")
        if not (isinstance(errors, list) and errors
                and all(isinstance(e, dict) and isinstance(e.get("message"), str)
                        for e in errors)):
            self.fail(f"{prefix}expected a non-empty `errors` list of {{message}} objects\n"
                      + res.describe())
        if count is not None and len(errors) != count:
            self.fail(f"{prefix}expected {count} error(s)\n{res.describe()}")
        if data is ABSENT:
            if "data" in body:
                self.fail(f"{prefix}a request error must not carry `data`\n{res.describe()}")
        elif data is not ...:
            if "data" not in body:
                self.fail(f"{prefix}expected a `data` key\n{res.describe()}")
            if body["data"] != data:
                self.fail(f"{prefix}unexpected data\nexpected: {dump(data)}\n"
                          f"got:      {dump(body['data'])}\n{res.describe()}")
        if contains is not None:
            options = contains if isinstance(contains, tuple) else (contains,)
            if not any(o.lower() in e["message"].lower() for o in options for e in errors):
                self.fail(f"{prefix}expected an error mentioning one of {options}\n"
                          + res.describe())
        first = errors[0]
        if locations is True:
            locs = first.get("locations")
            if not (isinstance(locs, list) and locs and all(
                    isinstance(l, dict) and set(l) == {"line", "column"}
                    and isinstance(l["line"], int) and isinstance(l["column"], int)
                    and l["line"] >= 1 and l["column"] >= 1 for l in locs)):
                self.fail(f"{prefix}expected locations [{{line, column}}]\n{res.describe()}")
        elif isinstance(locations, list):
            if first.get("locations") != locations:
                self.fail(f"{prefix}expected locations {locations}\n{res.describe()}")
        if path is not ...:
            if first.get("path") != path:
                self.fail(f"{prefix}expected path {path}\n{res.describe()}")
        if has_path is not None:
            for e in errors:
                if ("path" in e) != has_path:
                    self.fail(f"{prefix}{'every' if has_path else 'no'} error must have a "
                              f"`path`\n{res.describe()}")
        return errors


class _Absent:
    def __repr__(self):
        return "ABSENT"


ABSENT = _Absent()
