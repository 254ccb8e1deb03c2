"""File columns through the real server: multipart uploads (encoded here by hand), downloads
byte for byte with their headers, media types from the upload or detected (libmagic), the
read-only route and the URL GraphQL gives, who may upload and download, limits, and the
server's memory while a 90 MiB file goes in and out."""

import json
import os
import random
import time
import urllib.parse
import uuid

from harness import ServerModuleTest, create_token, new_db, new_user, set_roles, unique

PNG = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
       b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35"
       b"\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"

SCHEMA = ("CREATE TABLE docs (id INTEGER PRIMARY KEY, name TEXT UNIQUE, content BLOB, note TEXT);"
          "CREATE TABLE plain (x INTEGER, y TEXT);"
          "INSERT INTO docs (id, name) VALUES (1, 'one'), (2, 'two'), (3, 'three'), (4, 'four');"
          "INSERT INTO plain VALUES (1, 'y')")


def multipart(parts, boundary=None):
    """multipart/form-data by hand (RFC 7578): parts are (name, value) or
    (name, filename, content_type, bytes)."""
    boundary = boundary or "----airsqlfiles" + uuid.uuid4().hex
    chunks = []
    for part in parts:
        chunks.append(f"--{boundary}\r\n".encode())
        if len(part) == 2:
            name, value = part
            chunks.append(f'Content-Disposition: form-data; name="{name}"\r\n\r\n'.encode())
            chunks.append(value.encode() if isinstance(value, str) else value)
        else:
            name, filename, ctype, data = part
            # Quotes and backslashes escaped as in a quoted-string (as curl does).
            quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
            head = f'Content-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'
            if ctype is not None:
                head += f"Content-Type: {ctype}\r\n"
            chunks.append((head + "\r\n").encode())
            chunks.append(data)
        chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def random_bytes(n, seed=1):
    return random.Random(seed).randbytes(n)


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    raise AssertionError("no VmHWM")


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS")


class FileTestBase(ServerModuleTest):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        c = cls.client
        cls.owner_name, cls.owner = new_user(c, unique("fown"))
        cls.db = new_db(c, cls.owner, cls.owner_name, SCHEMA)
        cls.readonly_id = c.get(f"/api/dbs/{cls.db}", token=cls.owner).body["readonlyId"]

    def path(self, row=1, column="content", table="docs", key="rowid", db=None, readonly=False):
        q = urllib.parse.quote
        base = f"/readonly/{self.readonly_id}" if readonly else f"/api/dbs/{db or self.db}"
        return (f"{base}/tables/{q(table, safe='')}/columns/{q(column, safe='')}/files/"
                f"{q(key, safe='')}/{q(str(row), safe='')}")

    def put(self, data, filename="file.bin", ctype="application/octet-stream", token=..., **kw):
        body, content_type = multipart([("file", filename, ctype, data)])
        tok = self.owner if token is ... else token
        return self.client.request("PUT", self.path(**kw), raw_body=body, token=tok,
                                   headers={"Content-Type": content_type}, timeout=120)

    def get(self, token=..., **kw):
        tok = self.owner if token is ... else token
        return self.client.get(self.path(**kw), token=tok, timeout=120)

    def sql(self, query):
        return self.assertSqlOk(self.client.sql(self.db, query, token=self.owner))


class Files(FileTestBase):

    # -- round trips

    def test_multipart_upload_downloads_byte_for_byte_with_its_name_and_type(self):
        for size in (0, 1, 5 * 1024 * 1024):
            with self.subTest(size=size):
                data = random_bytes(size, seed=size)
                r = self.assertStatus(self.put(data, "Report 2024.pdf", "application/x-airsql"),
                                      200)
                self.assertEqual(r.body, {}, r.describe())
                r = self.assertStatus(self.get(), 200)
                self.assertEqual(len(r.raw), size)
                self.assertTrue(r.raw == data, "the bytes differ")
                self.assertEqual(r.header("Content-Type"), "application/x-airsql")
                self.assertEqual(r.header("Content-Length"), str(size))
                self.assertEqual(r.header("Content-Disposition"),
                                 "attachment; filename=\"Report 2024.pdf\"; "
                                 "filename*=UTF-8''Report%202024.pdf")
                self.assertEqual(r.header("X-Content-Type-Options"), "nosniff")

    def test_file_names_are_sanitised_for_the_header(self):
        r = self.put(b"x", 'C:\\Users\\ann\\Grüße "quoted".txt', "text/plain; charset=utf-8",
                     row=2)
        self.assertStatus(r, 200)
        r = self.assertStatus(self.get(row=2), 200)
        self.assertEqual(r.header("Content-Type"), "text/plain; charset=utf-8")
        disposition = r.header("Content-Disposition")
        self.assertTrue(disposition.startswith('attachment; filename="Gr'), disposition)
        self.assertNotIn('\\', disposition)
        self.assertNotIn('"quoted"', disposition)  # quotes cannot close the parameter
        self.assertIn("filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22quoted%22.txt", disposition)
        self.assertEqual(disposition, 'attachment; filename="Gr____e _quoted_.txt"; '
                         "filename*=UTF-8''Gr%C3%BC%C3%9Fe%20%22quoted%22.txt")

    def test_media_type_is_detected_when_none_was_given(self):
        # Cells written by SQL have no upload facts: the type comes from the content.
        self.sql(f"UPDATE docs SET content = x'{PNG.hex()}' WHERE id = 3")
        r = self.assertStatus(self.get(row=3), 200)
        self.assertEqual(r.raw, PNG)
        self.assertEqual(r.header("Content-Type"), "image/png")
        # A plain name needs no filename* (RFC 8187) beside filename.
        self.assertEqual(r.header("Content-Disposition"),
                         "attachment; filename=\"docs-content-3.png\"")
        # Uploaded as application/octet-stream (curl -F's default) without a name: detected.
        body, ctype = multipart([("file", "", None, PDF)])
        body = body.replace(b'; filename=""', b"")
        r = self.client.request("PUT", self.path(row=4), raw_body=body, token=self.owner,
                                headers={"Content-Type": ctype})
        self.assertStatus(r, 200)
        r = self.assertStatus(self.get(row=4), 200)
        self.assertEqual(r.raw, PDF)
        self.assertEqual(r.header("Content-Type"), "application/pdf")
        self.assertIn('filename="docs-content-4.pdf"', r.header("Content-Disposition"))

    def test_replacing_a_file_replaces_its_facts_and_other_writes_make_them_stale(self):
        self.assertStatus(self.put(b"first version", "v1.txt", "text/plain", row=1), 200)
        self.assertStatus(self.put(PNG, "v2.png", "image/png", row=1), 200)
        r = self.assertStatus(self.get(row=1), 200)
        self.assertEqual((r.raw, r.header("Content-Type")), (PNG, "image/png"))
        self.assertIn('filename="v2.png"', r.header("Content-Disposition"))
        # Same size, other bytes, written by SQL: the name and type no longer apply.
        changed = bytes([PNG[0] ^ 1]) + PNG[1:]
        self.sql(f"UPDATE docs SET content = x'{changed.hex()}' WHERE id = 1")
        r = self.assertStatus(self.get(row=1), 200)
        self.assertEqual(r.raw, changed)
        self.assertNotIn("v2.png", r.header("Content-Disposition"))
        self.assertEqual(r.header("Content-Type"), "application/octet-stream")

    def test_raw_body_upload_with_filename_parameter(self):
        r = self.client.request("PUT", self.path(row=2) + "?filename=people.csv",
                                raw_body=b"name\nann\n", token=self.owner,
                                headers={"Content-Type": "text/csv"})
        self.assertStatus(r, 200)
        r = self.assertStatus(self.get(row=2), 200)
        self.assertEqual(r.raw, b"name\nann\n")
        self.assertEqual(r.header("Content-Type"), "text/csv")
        self.assertIn('filename="people.csv"', r.header("Content-Disposition"))

    def test_rows_by_primary_key_and_unique_column(self):
        self.assertStatus(self.put(b"by name", "n.txt", "text/plain", key="name", row="three"),
                          200)
        r = self.assertStatus(self.get(key="id", row=3), 200)
        self.assertEqual(r.raw, b"by name")
        r = self.get(key="note", row="x")
        self.assertJsonError(r, 400, "invalid_argument")

    def test_head_answers_headers_only(self):
        self.assertStatus(self.put(b"head me", "h.txt", "text/plain", row=2), 200)
        r = self.client.request("HEAD", self.path(row=2), token=self.owner)
        self.assertStatus(r, 200)
        self.assertEqual(r.raw, b"")
        self.assertEqual(r.header("Content-Type"), "text/plain")

    # -- errors

    def test_errors(self):
        cases = [
            ("not a file column", self.put(b"x", column="note"), 400, "invalid_argument"),
            ("not a file column (GET)", self.get(column="name"), 400, "invalid_argument"),
            ("plain table", self.put(b"x", table="plain", column="y"), 400, "invalid_argument"),
            ("missing row", self.put(b"x", row=99), 404, "not_found"),
            ("missing row (GET)", self.get(row=99), 404, "not_found"),
            ("missing table", self.get(table="nope"), 404, "not_found"),
            ("missing column", self.get(column="nope"), 404, "not_found"),
            ("missing key column", self.get(key="nope"), 404, "not_found"),
        ]
        for label, r, status, code in cases:
            with self.subTest(label):
                self.assertJsonError(r, status, code)
        self.sql("UPDATE docs SET content = NULL WHERE id = 4")
        self.assertJsonError(self.get(row=4), 404, "not_found", message_contains="NULL")
        # A form without a part named file.
        body, ctype = multipart([("other", "value")])
        r = self.client.request("PUT", self.path(row=1), raw_body=body, token=self.owner,
                                headers={"Content-Type": ctype})
        self.assertJsonError(r, 400, "invalid_argument")
        # A truncated form.
        body, ctype = multipart([("file", "a.txt", "text/plain", b"abc")])
        r = self.client.request("PUT", self.path(row=1), raw_body=body[:-10], token=self.owner,
                                headers={"Content-Type": ctype})
        self.assertJsonError(r, 400, "invalid_argument")

    # -- the read-only route and GraphQL's URLs

    def test_readonly_route_serves_with_the_readonly_id_only(self):
        self.assertStatus(self.put(b"public bytes", "p.txt", "text/plain", row=2), 200)
        r = self.assertStatus(self.get(row=2, readonly=True, token=None), 200)
        self.assertEqual(r.raw, b"public bytes")
        self.assertIn('filename="p.txt"', r.header("Content-Disposition"))
        # Credentials do not change what the read-only id grants.
        r = self.assertStatus(self.get(row=2, readonly=True), 200)
        # The private id is not a read-only id, and the read-only id not a database id.
        bad = self.path(row=2).replace(f"/api/dbs/{self.db}", f"/readonly/{self.db}")
        self.assertJsonError(self.client.get(bad, token=self.owner), 404)
        self.assertJsonError(self.client.get(bad, token=None), 404)
        self.assertJsonError(self.get(row=2, db=self.readonly_id), 404)
        # No uploads through the read-only id.
        body, ctype = multipart([("file", "x.txt", "text/plain", b"x")])
        r = self.client.request("PUT", self.path(row=2, readonly=True), raw_body=body,
                                token=None, headers={"Content-Type": ctype})
        self.assertStatus(r, (404, 405))

    def test_graphql_file_urls_resolve(self):
        self.assertStatus(self.put(PNG, "cover.png", "image/png", row=1), 200)
        for label, path, token in (("owner", f"/dbs/{self.db}/graphql", self.owner),
                                   ("read-only endpoint", f"/readonly/{self.readonly_id}/graphql",
                                    None)):
            with self.subTest(label):
                r = self.client.post(path, {"query": "{ docs(where: {id: {_eq: 1}}) { content } }"},
                                     token=token)
                self.assertStatus(r, 200)
                cell = r.body["data"]["docs"][0]["content"]
                url = json.loads(cell)["url"]
                self.assertEqual(
                    url, f"/readonly/{self.readonly_id}/tables/docs/columns/content/files/rowid/1")
                # Anyone holding the URL gets the file; with the owner's token too.
                for tok in (None, self.owner):
                    d = self.assertStatus(self.client.get(url, token=tok), 200)
                    self.assertEqual(d.raw, PNG)
                    self.assertEqual(d.header("Content-Type"), "image/png")
                    self.assertIn('filename="cover.png"', d.header("Content-Disposition"))

    def test_graphql_urls_of_awkward_names_resolve(self):
        db = new_db(self.client, self.owner, self.owner_name,
                    'CREATE TABLE "my files" (rowid TEXT, "the file" BLOB_IMAGE);'
                    "INSERT INTO \"my files\" VALUES ('r', NULL)")
        ro = self.client.get(f"/api/dbs/{db}", token=self.owner).body["readonlyId"]
        q = urllib.parse.quote
        up = f"/api/dbs/{db}/tables/{q('my files')}/columns/{q('the file')}/files/_rowid_/1"
        body, ctype = multipart([("file", "pic.png", "image/png", PNG)])
        self.assertStatus(self.client.request("PUT", up, raw_body=body, token=self.owner,
                                              headers={"Content-Type": ctype}), 200)
        r = self.client.post(f"/dbs/{db}/graphql", {"query": "{ myXX0files { theXX0file } }"},
                             token=self.owner)
        url = json.loads(self.assertStatus(r, 200).body["data"]["myXX0files"][0]["theXX0file"])["url"]
        self.assertEqual(url, f"/readonly/{ro}/tables/my%20files/columns/the%20file/files/_rowid_/1")
        d = self.assertStatus(self.client.get(url, token=None), 200)
        self.assertEqual(d.raw, PNG)

    # -- who may do what

    def test_authorization(self):
        c = self.client
        viewer_name, viewer = new_user(c, unique("fvie"))
        editor_name, editor = new_user(c, unique("fedi"))
        _, stranger = new_user(c, unique("fstr"))
        self.assertStatus(set_roles(c, self.owner, self.owner_name, viewer_name, ["Viewer"]), 200)
        self.assertStatus(set_roles(c, self.owner, self.owner_name, editor_name, ["Editor"]), 200)
        tokens = {}
        for perm in ("read", "write", "writeonly", "insertonly"):
            r = self.assertStatus(create_token(c, self.owner, self.owner_name, [(self.db, perm)]),
                                  201)
            tokens[perm] = r.body["body"] if "body" in r.body else r.body["token"]
        self.assertStatus(self.put(b"start", "s.txt", "text/plain", row=3), 200)

        may_upload = {"owner": self.owner, "editor": editor, "write token": tokens["write"],
                      "writeonly token": tokens["writeonly"]}
        may_not_upload = {"viewer": (viewer, 403), "read token": (tokens["read"], 403),
                          "insertonly token": (tokens["insertonly"], 403),
                          "stranger": (stranger, 404), "anonymous": (None, (401, 404))}
        may_download = {"owner": self.owner, "editor": editor, "viewer": viewer,
                        "read token": tokens["read"], "write token": tokens["write"]}
        may_not_download = {"writeonly token": (tokens["writeonly"], 403),
                            "insertonly token": (tokens["insertonly"], 403),
                            "stranger": (stranger, 404), "anonymous": (None, (401, 404))}
        for who, tok in may_upload.items():
            with self.subTest(upload=who):
                self.assertStatus(self.put(who.encode(), "w.txt", "text/plain", row=3, token=tok),
                                  200)
                self.assertEqual(self.get(row=3).raw, who.encode())
        for who, (tok, status) in may_not_upload.items():
            with self.subTest(upload=who):
                self.assertJsonError(self.put(b"no", "n.txt", "text/plain", row=3, token=tok),
                                     status)
        self.assertEqual(self.get(row=3).raw, b"writeonly token")
        for who, tok in may_download.items():
            with self.subTest(download=who):
                r = self.assertStatus(self.get(row=3, token=tok), 200)
                self.assertEqual(r.raw, b"writeonly token")
        for who, (tok, status) in may_not_download.items():
            with self.subTest(download=who):
                self.assertJsonError(self.get(row=3, token=tok), status)


class FileLimits(FileTestBase):
    server_args = ("--max-file-bytes", "65536")

    def test_files_over_the_cap_get_413(self):
        self.assertStatus(self.put(b"old", "old.txt", "text/plain"), 200)
        self.assertStatus(self.put(random_bytes(65536), "cap.bin"), 200)
        self.assertJsonError(self.put(random_bytes(65537), "over.bin"), 413,
                             "payload_too_large", message_contains="65536")
        self.assertEqual(len(self.get().raw), 65536)
        # Raw bodies too.
        r = self.client.request("PUT", self.path(), raw_body=random_bytes(70000),
                                token=self.owner, headers={"Content-Type": "image/png"})
        self.assertJsonError(r, 413, "payload_too_large")
        # Far beyond the cap: refused from the Content-Length, before the body is stored.
        r = self.client.request("PUT", self.path(), raw_body=random_bytes(4 << 20),
                                token=self.owner, headers={"Content-Type": "image/png"})
        self.assertJsonError(r, 413, "payload_too_large")
        self.assertEqual(os.listdir(os.path.join(self.server.data_dir, "tmp")), [])
        self.assertEqual(len(self.get().raw), 65536)


class FileMemory(FileTestBase):
    """Peak RSS of the server while a 90 MiB file goes in and out (VmHWM of /proc/<pid>/status).
    The bound is loose on purpose: it catches a file held in memory whole (90 MiB or more),
    not allocator noise."""

    SIZE = 90 * 1024 * 1024

    def measure(self, column_is_last):
        table = "tail" if column_is_last else "mid"
        schema = ("CREATE TABLE tail (id INTEGER PRIMARY KEY, name TEXT, f BLOB)" if column_is_last
                  else "CREATE TABLE mid (id INTEGER PRIMARY KEY, f BLOB, name TEXT)")
        self.sql(schema + f"; INSERT INTO {table} (id, name) VALUES (1, 'x')")
        data = random_bytes(self.SIZE, seed=90)
        pid = self.server.proc.pid

        def reset_peak():
            # Sign-up's password hashing (argon2id, 64 MiB) set the peak already: reset it to
            # the current RSS (Linux: clear_refs 5).
            with open(f"/proc/{pid}/clear_refs", "w") as f:
                f.write("5")
            return vm_hwm_kib(pid)

        before = reset_peak()
        started = time.monotonic()
        r = self.put(data, "big.bin", "application/x-big", table=table, column="f")
        upload_s = time.monotonic() - started
        self.assertStatus(r, 200)
        after_upload = vm_hwm_kib(pid)
        before_download = reset_peak()
        started = time.monotonic()
        d = self.assertStatus(self.get(table=table, column="f"), 200)
        download_s = time.monotonic() - started
        self.assertTrue(d.raw == data, "the 90 MiB file differs")
        after_download = vm_hwm_kib(pid)
        report = (f"file column {'last' if column_is_last else 'not last'}: VmHWM before "
                  f"{before / 1024:.1f} MiB, after upload {after_upload / 1024:.1f} MiB "
                  f"({upload_s:.2f} s); before download {before_download / 1024:.1f} MiB, "
                  f"after download {after_download / 1024:.1f} MiB ({download_s:.2f} s); "
                  f"RSS now {vm_rss_kib(pid) / 1024:.1f} MiB")
        print("\n" + report, flush=True)
        return after_upload - before, after_download - before_download

    def test_a_90_mib_file_in_the_last_column_never_sits_in_memory(self):
        up, down = self.measure(column_is_last=True)
        self.assertLess(up, 48 * 1024, "upload grew the peak by 48 MiB or more")
        self.assertLess(down, 48 * 1024, "download grew the peak by 48 MiB or more")

    def test_a_90_mib_file_in_another_column_costs_sqlite_its_row_in_memory(self):
        # SQLite materialises a zero-filled value that is not the row's last and copies it into
        # the record: the upload's peak grows by about twice the file's size for the UPDATE
        # (zeros, not the file); the download stays flat.
        up, down = self.measure(column_is_last=False)
        self.assertLess(up, 2 * self.SIZE // 1024 + 48 * 1024,
                        "upload held more than the row SQLite builds")
        self.assertLess(down, 48 * 1024, "download grew the peak by 48 MiB or more")
