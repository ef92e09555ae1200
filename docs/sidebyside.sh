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

# run CMD...: wall time (ms, read from the shell's microsecond clock, as
# /usr/bin/time counts only hundredths) and peak RSS (MiB) of one run, as
# "ms mib"; output to out.txt
run() {
	local t0=$EPOCHREALTIME
	/usr/bin/time -f '%M' -o time.txt "$@" >out.txt 2>/dev/null
	local t1=$EPOCHREALTIME
	awk -v t0="$t0" -v t1="$t1" '{printf "%d %d\n", (t1 - t0) * 1000, $1 / 1024}' time.txt
}

# compare NAME SQL TRIAGE-ARGS...: medians of 5 alternating runs of triage
# on $file (default cls_10m.parquet) and of DuckDB, time and peak RSS,
# with the ratios triage / DuckDB.
compare() {
	local name=$1 sql=$2
	shift 2
	local tt=() tm=() dt=() dm=() r
	for i in 1 2 3 4 5; do
		r=$(run ./triage query "${file:-cls_10m.parquet}" "$@")
		tt+=("${r% *}") tm+=("${r#* }")
		cp out.txt triage.out
		r=$(run ./duckq -threads 2 "$sql")
		dt+=("${r% *}") dm+=("${r#* }")
	done
	local a b c d
	a=$(printf '%s\n' "${tt[@]}" | median) b=$(printf '%s\n' "${dt[@]}" | median)
	c=$(printf '%s\n' "${tm[@]}" | median) d=$(printf '%s\n' "${dm[@]}" | median)
	printf '%-34s time %5s / %5s ms = %4s   RSS %4s / %4s MiB = %4s   (triage: %s lines, first %s)\n' "$name" \
		"$a" "$b" "$(awk "BEGIN{printf \"%.2f\", $a/$b}")" "$c" "$d" "$(awk "BEGIN{printf \"%.2f\", $c/$d}")" \
		"$(wc -l <triage.out)" "$(head -n 1 triage.out | cut -c1-30)"
}

echo "triage / DuckDB, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
compare "count: label != pred, score > 0.9" \
	"SELECT count(*) FROM 'cls_10m.parquet' WHERE label <> pred AND score > 0.9" \
	'label != pred and score > 0.9' --count
compare "count: label != pred" \
	"SELECT count(*) FROM 'cls_10m.parquet' WHERE label <> pred" \
	'label != pred' --count
compare "top 100 errors by score" \
	"SELECT id, label, pred, score FROM 'cls_10m.parquet' WHERE label <> pred ORDER BY score DESC LIMIT 100" \
	'label != pred | sort score desc | limit 100' --columns id,label,pred,score --format csv
compare "jsonl: score > 0.99 (875,645 rows)" \
	"COPY (SELECT id, label, pred, score, split, filepath FROM 'cls_10m.parquet' WHERE score > 0.99) TO 'duck.jsonl' (FORMAT json)" \
	'score > 0.99' --format jsonl --columns id,label,pred,score,split,filepath
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

# No peer: the metrics report over 10M rows.
r=$(run ./triage eval cls_10m.parquet)
echo "triage eval cls_10m.parquet            time ${r% *} ms   RSS ${r#* } MiB"
r=$(run ./triage query cls_1m.parquet suspect --count)
echo "triage query cls_1m.parquet suspect --count   time ${r% *} ms   RSS ${r#* } MiB   ($(cat out.txt) suspects)"
