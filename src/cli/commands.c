/* The command table. Commands whose <opts> is NULL are planned and listed as
 * such by `myshift help`; running one says so and exits 2. */
#include "cli/cli.h"

#include <stddef.h>

const struct ms_cmd ms_commands[] = {
    {"check", "preflight: can a migration start between these servers?",
     "check --source URI --target URI [options]",
     "Checks both servers before a migration: versions, binlog settings "
     "(log_bin,\nbinlog_format=ROW, binlog_row_image=FULL, server_id, GTIDs, "
     "retention), the\nprivileges of the given users, tables without a "
     "usable key, non-InnoDB engines,\ncharsets and collations the target "
     "lacks, sql_mode, lower_case_table_names,\ntime-zone tables, the "
     "control schema and the target's binlog (failback).\nEach item is "
     "PASS, WARN or FAIL with a line saying why and how to fix it.\n"
     "Exit 0 when a migration can start, 1 when a check fails, 2 for "
     "usage errors,\n3 when a server cannot be reached.",
     ms_check_optdefs, ms_cmd_check},
    {"binlog", "decode binlog files into JSON lines",
     "binlog dump FILE... [options]",
     "Decodes binary log files (MySQL 5.0-9.x, MariaDB 10.x) into JSON "
     "lines on\nstdout, one event per line, with typed row values: the "
     "decoder sync uses.\nSkipped (unknown or ignorable) events appear "
     "with \"skipped\": REASON.\nExit 0 when every event decoded, 3 "
     "(2 for unsupported input) with\n\"FILE: binlog: event at OFFSET "
     "(TYPE): reason\" otherwise.",
     ms_binlog_optdefs, ms_cmd_binlog},
    {"assess", "inventory and risk report", "assess [options]", "Planned.",
     NULL, NULL},
    {"copy", "schema and consistent parallel full copy",
     "copy --source URI --target URI [options]",
     "Creates the selected databases and tables on the target (mapping "
     "rules\napplied) and copies their rows straight from the source, in "
     "parallel chunks,\nconsistently while the source takes writes. It "
     "records the binlog position\nsync starts from. Progress is kept in "
     "the control schema: after an interruption\n(even kill -9) rerun the "
     "same command to resume. Views and routines are\ncreated after the "
     "data; triggers and events are recorded for cutover.\nExit 0 when "
     "done, 2 for usage or configuration errors (unknown schema,\nexisting "
     "table), 3 for runtime failures. Design: docs/copy.md.",
     ms_copy_optdefs, ms_cmd_copy},
    {"sync", "binlog CDC source to target (or reverse)",
     "sync --source URI --target URI [options]",
     "Reads the source's binlog as a replica and applies every change to "
     "the\nselected tables on the target, idempotently (replace or delete by "
     "key), whole\nsource transactions at a time, with the checkpoint in the "
     "same target\ntransaction: after any interruption (even kill -9) rerun "
     "the same command. DDL\non selected tables is replayed with the mapping "
     "renames. The first run starts\nat the position the copy recorded (or "
     "--start-position). Runs until SIGINT or\nSIGTERM (or, with "
     "--until-caught-up, until the source's binlog end as of\nstart is "
     "applied); lost servers are retried. --reverse applies the target's\n"
     "changes to the source (failback), skipping what sync itself applied.\n"
     "Exit 0 on a clean stop, 2 for usage errors and unsupported events, 3 "
     "when a\nserver stays unreachable or the binlog needed was purged. "
     "Design: docs/sync.md.",
     ms_sync_optdefs, ms_cmd_sync},
    {"run", "copy, then sync, as one job",
     "run --source URI --target URI [options]",
     "`myshift copy`, then `myshift sync` from the copy's start position, "
     "as one\njob that runs until SIGINT or SIGTERM. Rerun the same command "
     "after an\ninterruption: the copy resumes (or is skipped when done) and "
     "sync continues\nfrom its checkpoint. `myshift status` shows the "
     "progress and the lag.",
     ms_run_optdefs, ms_cmd_run},
    {"verify", "chunked checksum comparison while sync runs",
     "verify --source URI --target URI [options]",
     "Compares every selected source table with its mapped target table, "
     "chunk by\nchunk over the source's key: each server computes COUNT(*) "
     "and a BIT_XOR of\nper-row hashes over the shared columns, normalised "
     "(floats, charsets, time\nzones). It runs while sync runs and the "
     "source takes writes: a chunk that\ndiffers is read again once sync "
     "has applied the source position seen with it,\nand only differences "
     "that persist are diffed row by row and reported (missing\non target, "
     "extra on target, different: key and columns). --repair writes\nthe "
     "source's rows for them onto the target, bounded (--repair-max) and\n"
     "logged, then verifies those chunks again. Results are kept in the "
     "control\nschema (verify_runs, verify_tables, verify_chunks, "
     "verify_diffs).\nExit 0 when source and target are equal, 1 when "
     "differences remain (schema\ndifferences included), 2 for usage "
     "errors, 3 for runtime failures or an\ninterruption. Design: "
     "docs/verify.md.",
     ms_verify_optdefs, ms_cmd_verify},
    {"proxy", "MySQL wire-protocol proxy", "proxy [options]",
     "Listens for MySQL clients, authenticates them itself (users from "
     "--user or\nthe source's mysql.user), and gives each session a backend "
     "connection on\nthe backend its route names, tracking the session's "
     "state so it can be\nheld and moved to another backend with the state "
     "replayed. Controlled\nthrough an HTTP admin API on loopback "
     "(`myshift proxy-ctl`). Runs until\nSIGINT/SIGTERM. Design: "
     "docs/proxy.md.",
     ms_proxy_optdefs, ms_cmd_proxy},
    {"proxy-ctl", "control a running proxy",
     "proxy-ctl COMMAND [ARGS] [options]",
     "Talks to a running proxy's admin API. Commands: status, sessions, "
     "routes,\nroute ROUTE BACKEND, pause [ROUTE], resume [ROUTE], move "
     "[ROUTE] BACKEND\n(waits until the move ends and reports it), "
     "metrics. Exit 0, 1 when a\nmove left sessions behind, 2 for usage "
     "errors, 3 when the proxy cannot\nbe reached.",
     ms_proxy_ctl_optdefs, ms_cmd_proxy_ctl},
    {"cutover", "switch traffic to the target through the proxy",
     "cutover --source URI --target URI --admin ADDR [options]",
     "Switches the proxy's clients from the source to the target with no "
     "failed\nrequest: the proxy holds each session at its next transaction "
     "boundary,\nwrites to the source stop, sync applies the source's last "
     "position, reverse\nsync starts, and the sessions move with their state. "
     "Whole, or one tenant\n(--schema, --route). Every step is journaled in "
     "the control schema: rerun\nthe command after an interruption and it "
     "finishes or rolls back. Exit 0\nswitched, 1 refused (the reasons are "
     "printed), 3 failed. Design:\ndocs/cutover.md.",
     ms_cutover_optdefs, ms_cmd_cutover},
    {"failback", "switch traffic back to the source",
     "failback --source URI --target URI --admin ADDR [options]",
     "`myshift cutover` the other way: reverse sync must be caught up; "
     "forward\nsync starts again. Same options and exit codes. Design: "
     "docs/cutover.md.",
     ms_cutover_optdefs, ms_cmd_failback},
    {"status", "where a job stands", "status --target URI [options]",
     "Reads the control schema on the target and shows where the job "
     "stands: the\ncopy's start position and, per table, its state and the "
     "rows copied;\nsync's position and lag; the last verify run and what "
     "it found.\nExit 0, 3 when nothing is recorded or the target "
     "cannot be reached.",
     ms_status_optdefs, ms_cmd_status},
    {NULL, NULL, NULL, NULL, NULL, NULL},
};
