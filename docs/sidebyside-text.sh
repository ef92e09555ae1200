#!/usr/bin/env bash
# Times triage against DuckDB on CSV and JSON Lines as whole processes,
# alternating the two, and prints the median of 5 runs of each, the ratio
# and each tool's peak RSS. DuckDB writes both files from the bench Parquet
# (the first 1,000,000 rows of cls_10m). Needs ../shared/bench (see its
# README): builds its tools and generates cls_10m.parquet on first use, and
# /usr/bin/time (Debian's time package).
#
#   bash docs/sidebyside-text.sh            # from the project root
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH:-$root/../shared/bench}
work=${WORK:-/tmp/triage-sidebyside}
mkdir -p "$work"
[ -x "$work/duckq" ] || (cd "$bench" && go build -o "$work/" ./cmd/...)
[ -f "$work/cls_10m.parquet" ] || "$work/gen" -o "$work/cls_10m.parquet" -n 10000000
(cd "$root" && go build -o "$work/triage" ./cmd/triage)
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (apt-get install time)" >&2; exit 1; }
cd "$work"

sel="SELECT id,label,pred,score,split,filepath FROM 'cls_10m.parquet' LIMIT 1000000"
[ -f cls_1m.csv ] || ./duckq -threads 2 "COPY ($sel) TO 'cls_1m.csv' (HEADER)" >/dev/null
[ -f cls_1m.jsonl ] || ./duckq -threads 2 "COPY ($sel) TO 'cls_1m.jsonl' (FORMAT json)" >/dev/null

# median of a list of numbers
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# run CMD...: one run; prints "wall_ms peak_rss_kb"; output to out.txt
run() {
	local s e
	s=$(date +%s%N)
	/usr/bin/time -f %M -o rss.txt "$@" >out.txt 2>/dev/null
	e=$(date +%s%N)
	echo "$(((e - s) / 1000000)) $(tail -n 1 rss.txt)"
}

# compare NAME FILE SQL TRIAGE-ARGS...: medians of 5 alternating runs.
compare() {
	local name=$1 file=$2 sql=$3
	shift 3
	local tt=() tr=() dt=() dr=() r
	for i in 1 2 3 4 5; do
		r=($(run ./triage query "$file" "$@"))
		tt+=("${r[0]}") tr+=("${r[1]}")
		cp out.txt triage.out
		r=($(run ./duckq -threads 2 "$sql"))
		dt+=("${r[0]}") dr+=("${r[1]}")
	done
	local t d trss drss
	t=$(printf '%s\n' "${tt[@]}" | median)
	d=$(printf '%s\n' "${dt[@]}" | median)
	trss=$(printf '%s\n' "${tr[@]}" | median)
	drss=$(printf '%s\n' "${dr[@]}" | median)
	printf '%-28s triage %5s ms  duckdb %5s ms  ratio %s  peak RSS triage %s MB / duckdb %s MB (%s)  answer %s / %s\n' \
		"$name" "$t" "$d" "$(awk -v a="$t" -v b="$d" 'BEGIN{printf "%.2f", a/b}')" \
		"$((trss / 1024))" "$((drss / 1024))" "$(awk -v a="$trss" -v b="$drss" 'BEGIN{printf "%.2f", a/b}')" \
		"$(head -n 1 triage.out)" "$(tail -n 1 out.txt)"
}

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
compare "1M rows, CSV" cls_1m.csv \
	"SELECT count(*) FROM 'cls_1m.csv' WHERE label <> pred AND score > 0.9" \
	'label != pred and score > 0.9' --count
compare "1M rows, JSON Lines" cls_1m.jsonl \
	"SELECT count(*) FROM read_json('cls_1m.jsonl') WHERE label <> pred AND score > 0.9" \
	'label != pred and score > 0.9' --count
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
