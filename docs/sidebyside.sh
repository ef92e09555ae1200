#!/usr/bin/env bash
# Times triage against DuckDB as whole processes, alternating the two, and
# prints the median of 5 runs of each. Needs ../shared/bench (see its
# README): builds its tools and generates cls_10m.parquet and
# cls_1m.parquet (with probs) on first use.
#
#   bash docs/sidebyside.sh            # from the project root
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH:-$root/../shared/bench}
work=${WORK:-/tmp/triage-sidebyside}
mkdir -p "$work"
[ -x "$work/duckq" ] || (cd "$bench" && go build -o "$work/" ./cmd/...)
[ -f "$work/cls_10m.parquet" ] || "$work/gen" -o "$work/cls_10m.parquet" -n 10000000
[ -f "$work/cls_1m.parquet" ] || "$work/gen" -o "$work/cls_1m.parquet" -n 1000000 -probs
(cd "$root" && go build -o "$work/triage" ./cmd/triage)
cd "$work"

# median of a list of numbers
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# time_ms CMD...: wall time of one run in milliseconds; output to out.txt
time_ms() {
	local s e
	s=$(date +%s%N)
	"$@" >out.txt 2>/dev/null
	e=$(date +%s%N)
	echo $(((e - s) / 1000000))
}

# compare NAME SQL TRIAGE-ARGS...: medians of 5 alternating runs, of
# triage on $file (default cls_10m.parquet).
compare() {
	local name=$1 sql=$2
	shift 2
	local t=() d=()
	for i in 1 2 3 4 5; do
		t+=("$(time_ms ./triage query "${file:-cls_10m.parquet}" "$@")")
		cp out.txt triage.out
		d+=("$(time_ms ./duckq -threads 2 "$sql")")
	done
	printf '%-34s triage %5s ms  duckdb %5s ms  (triage printed %s lines, first: %s)\n' "$name" \
		"$(printf '%s\n' "${t[@]}" | median)" "$(printf '%s\n' "${d[@]}" | median)" \
		"$(wc -l <triage.out)" "$(head -n 1 triage.out | cut -c1-40)"
}

compare "count: label != pred, score > 0.9" \
	"SELECT count(*) FROM 'cls_10m.parquet' WHERE label <> pred AND score > 0.9" \
	'label != pred and score > 0.9' --count
compare "count: label != pred" \
	"SELECT count(*) FROM 'cls_10m.parquet' WHERE label <> pred" \
	'label != pred' --count
compare "top 100 errors by score" \
	"SELECT id, label, pred, score FROM 'cls_10m.parquet' WHERE label <> pred ORDER BY score DESC LIMIT 100" \
	'label != pred | sort score desc | limit 100' --columns id,label,pred,score --format csv
compare "count: contains(filepath, \"777\")" \
	"SELECT count(*) FROM 'cls_10m.parquet' WHERE contains(filepath, '777')" \
	'contains(filepath, "777")' --count
compare "count: filepath ~ \"7[0-9]7.jpg\$\"" \
	"SELECT count(*) FROM 'cls_10m.parquet' WHERE regexp_matches(filepath, '7[0-9]7.jpg\$')" \
	'filepath ~ "7[0-9]7.jpg$"' --count
# A full decode: DuckDB aggregates every column, triage counts a filter
# that reads every value of every column.
file=cls_1m.parquet compare "full decode of cls_1m (probs)" \
	"SELECT count(*), sum(id), count(label), count(pred), sum(score), count(split), sum(len(probs)), count(filepath) FROM 'cls_1m.parquet'" \
	'len(probs) == 20 and len(filepath) > 0 and score >= 0 and id >= 0 and label != "" and pred != "" and split != ""' --count
