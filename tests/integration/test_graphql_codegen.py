"""GraphQL Code Generator against the live server (issue 8, part 1): the `typescript` plugin
(schema types) and the `typescript-operations` plugin (operation types, importing the schema
types) each write their own file, with codegen's default settings, and the TypeScript they
produce compiles under `tsc --strict`. Uses the npm packages in tools/node (offline after
scripts/install-deps).

Codegen reads the current view (`?schema=current`): the full schema without AirGQL's
deprecated aliases. The default view must keep AirGQL's `OrderingTerm` values ASC, asc, DESC,
desc (the shared conformance suite pins them), and codegen's default naming folds ASC and asc
into one TypeScript enum member `Asc`. Both spellings stay valid in the default view for
graphql-js validate() and run in every view. See docs/decisions.md."""

import json
import os
import shutil
import subprocess
import tempfile

from graphql_support import MUSIC_SQL, GraphQLTestCase
from harness import new_db, new_user

HERE = os.path.dirname(os.path.abspath(__file__))
NODE_MODULES = os.path.join(HERE, "..", "..", "tools", "node", "node_modules")
NODE_BIN = os.path.join(NODE_MODULES, ".bin")

# Queries a client of a music database writes without thinking: filters with _and/_or and
# _is_null, ordering (ASC/DESC and NULLS FIRST/LAST), relationships both ways, aggregates,
# variables, a mutation.
DOCUMENTS = {
    "artists.graphql": """
        query ArtistsWithAlbums($born: Int) {
          artists(where: {_or: [{born: {_gte: $born}}, {born: {_is_null: true}}]},
                  order_by: [{name: ASC}]) {
            id name born
            albums(order_by: [{year: desc_nulls_last}], limit: 3) { title year }
            albums_aggregate { aggregate { count } }
          }
        }
    """,
    "albums.graphql": """
        query AlbumsOf($artist: String!) {
          albums(where: {artist: {name: {_eq: $artist}}}, order_by: [{year: DESC}]) {
            title year artist { name }
          }
        }
    """,
    "insert.graphql": """
        mutation AddArtist($name: String!, $born: Int) {
          insert_artists(objects: [{name: $name, born: $born}]) {
            affected_rows
            returning { id name }
          }
        }
    """,
    # Hasura's forms (the current view declares them).
    "hasura.graphql": """
        mutation UpsertAndBump($artist: artists_insert_input!, $updates: [albums_updates!]!) {
          insert_artists_one(object: $artist,
                             on_conflict: {constraint: artists_pkey, update_columns: [name]}) { id name }
          update_tracks(where: {album_id: {_eq: 1}}, _inc: {ms: 1000}) { affected_rows }
          update_albums_many(updates: $updates) { affected_rows }
        }
        query LatestPerArtist {
          albums(distinct_on: [artist_id], order_by: [{artist_id: ASC}, {year: DESC}]) { title }
        }
    """,
}

CODEGEN_CONFIG = """import type {{ CodegenConfig }} from '@graphql-codegen/cli';

const config: CodegenConfig = {{
  schema: [{{ {url}: {{ headers: {{ Authorization: {auth} }} }} }}],
  documents: ['documents/*.graphql'],
  generates: {{
    'generated/types.ts': {{
      plugins: ['typescript'],
    }},
    'generated/operations.ts': {{
      preset: 'import-types',
      presetConfig: {{ typesPath: './types' }},
      plugins: ['typescript-operations'],
    }},
  }},
}};

export default config;
"""


class GraphQLCodegenTest(GraphQLTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user, cls.token = new_user(cls.client)
        cls.db = new_db(cls.client, cls.token, cls.user, MUSIC_SQL)

    def run_tool(self, tool, args, cwd):
        exe = os.path.join(NODE_BIN, tool)
        self.assertTrue(os.path.exists(exe), f"{exe} is missing: run scripts/install-deps --test")
        return subprocess.run([exe, *args], cwd=cwd, capture_output=True, text=True, timeout=300)

    def test_codegen_defaults_produce_typescript_that_compiles_strictly(self):
        work = tempfile.mkdtemp(prefix="airsql-codegen-")
        try:
            # A project folder as codegen's guide has it: plugins resolve from its node_modules.
            os.symlink(os.path.realpath(os.path.join(NODE_BIN, "..")),
                       os.path.join(work, "node_modules"))
            os.makedirs(os.path.join(work, "documents"))
            for name, text in DOCUMENTS.items():
                with open(os.path.join(work, "documents", name), "w") as f:
                    f.write(text)
            with open(os.path.join(work, "codegen.ts"), "w") as f:
                f.write(CODEGEN_CONFIG.format(
                    url=json.dumps(f"{self.server.url}/dbs/{self.db}/graphql?schema=current"),
                    auth=json.dumps(f"Bearer {self.token}")))
            gen = self.run_tool("graphql-codegen", ["--config", "codegen.ts"], work)
            self.assertEqual(gen.returncode, 0, gen.stdout + gen.stderr)
            types = open(os.path.join(work, "generated", "types.ts")).read()
            operations = open(os.path.join(work, "generated", "operations.ts")).read()
            # The full schema by default: the extensions are typed too.
            self.assertIn("Artists_Aggregate", types)
            self.assertIn("AscNullsFirst = 'asc_nulls_first'", types)
            self.assertIn("Asc = 'ASC'", types)
            self.assertNotIn("'asc'", types)
            self.assertIn("ArtistsWithAlbumsQuery", operations)
            self.assertIn("UpsertAndBumpMutation", operations)
            self.assertIn("export type Albums_Updates = {", types)
            tsc = self.run_tool("tsc", ["--strict", "--noEmit", "--skipLibCheck", "--target",
                                        "es2020", "--module", "esnext", "--moduleResolution",
                                        "bundler", "generated/types.ts",
                                        "generated/operations.ts"], work)
            self.assertEqual(tsc.returncode, 0, tsc.stdout + tsc.stderr)
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def validate(self, query_string, documents):
        """graphql-js validate() of each document against the endpoint's introspection."""
        run = subprocess.run(["node", os.path.join(HERE, "graphql_validate.mjs"),
                              f"{self.server.url}/dbs/{self.db}/graphql{query_string}", self.token,
                              NODE_MODULES], input=json.dumps(documents), capture_output=True,
                             text=True, timeout=60)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        return json.loads(run.stdout)

    def test_both_ordering_spellings_validate_and_run(self):
        upper = "{ artists(order_by: [{born: DESC}, {name: ASC}]) { name } }"
        lower = "{ artists(order_by: [{born: desc}, {name: asc}]) { name } }"
        # AirGQL's queries: both spellings are in the default and the AirGQL views.
        self.assertEqual(self.validate("", [upper, lower]), [[], []])
        self.assertEqual(self.validate("?schema=airgql", [upper, lower]), [[], []])
        # The current view declares only ASC/DESC: a client validating against it must write those.
        upper_errors, lower_errors = self.validate("?schema=current", [upper, lower])
        self.assertEqual(upper_errors, [])
        self.assertTrue(any("asc" in m or "desc" in m for m in lower_errors), lower_errors)
        # Whatever a client validated against, both spellings run, and sort alike.
        for view in ("", "?schema=current"):
            rows = [self.assertGqlData(self.gql(self.db, q, token=self.token,
                                                path=f"/dbs/{self.db}/graphql{view}"))
                    for q in (upper, lower)]
            self.assertEqual(rows[0], rows[1])
            self.assertEqual(rows[0]["artists"][0]["name"], "AC/DC")
