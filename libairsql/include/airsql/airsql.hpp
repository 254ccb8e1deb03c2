// SPDX-License-Identifier: Apache-2.0
// Everything of libairsql's public API in one include.
#pragma once

#include "airsql/csv.hpp"
#include "airsql/database_files.hpp"
#include "airsql/databases.hpp"
#include "airsql/engine.hpp"
#include "airsql/error.hpp"
#include "airsql/files.hpp"
#include "airsql/graphql.hpp"
#include "airsql/json.hpp"
#include "airsql/memory_only.hpp"
#include "airsql/options.hpp"
#include "airsql/principal.hpp"
#include "airsql/sql.hpp"
#include "airsql/status.hpp"
#include "airsql/streams.hpp"
#include "airsql/teams.hpp"
#include "airsql/tokens.hpp"
#include "airsql/users.hpp"
#include "airsql/version.hpp"
