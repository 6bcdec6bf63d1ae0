#!/usr/bin/env python3
# The small migrations of the file benchmarks: V<i>__table_<i>.sql, one table with an index, three rows and a
# comment each (~510 bytes). With PSQL_SCRIPT, also the psql reference: one session running each file in its own
# transaction (`BEGIN; \i file; COMMIT;`), as migrate does.
# Usage: python3 bench/generate_small_files.py COUNT DIR [PSQL_SCRIPT]   (deterministic)
import os
import sys

count, directory = int(sys.argv[1]), sys.argv[2]
os.makedirs(directory, exist_ok=True)
script = None
if len(sys.argv) > 3:
    os.makedirs(os.path.dirname(os.path.abspath(sys.argv[3])), exist_ok=True)
    script = open(sys.argv[3], "w")
for i in range(1, count + 1):
    path = f"{directory}/V{i}__table_{i}.sql"
    with open(path, "w") as f:
        f.write(f"""-- migration {i}
CREATE TABLE t{i} (
    id int PRIMARY KEY,
    name text NOT NULL,
    amount numeric(10,2) NOT NULL DEFAULT 0,
    created timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX t{i}_name ON t{i} (name);
INSERT INTO t{i} (id, name, amount) VALUES (1, 'first of {i}', 1.50);
INSERT INTO t{i} (id, name, amount) VALUES (2, 'second of {i}', 2.25);
INSERT INTO t{i} (id, name, amount) VALUES (3, 'it''s the third of {i}', 3.00);
COMMENT ON TABLE t{i} IS 'table number {i}, created by migration {i}';
""")
    if script:
        script.write(f"BEGIN;\n\\i {path}\nCOMMIT;\n")
if script:
    script.close()
