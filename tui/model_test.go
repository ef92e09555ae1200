package tui

import (
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/apache/arrow-go/v18/arrow"
	"github.com/apache/arrow-go/v18/arrow/array"
	"github.com/apache/arrow-go/v18/arrow/memory"
	"github.com/charmbracelet/x/ansi"

	"triage/dataset"
)

var update = flag.Bool("update", false, "rewrite golden files")

func testTable(t *testing.T, mem memory.Allocator) *dataset.Table {
	t.Helper()
	schema := arrow.NewSchema([]arrow.Field{
		{Name: "id", Type: arrow.PrimitiveTypes.Int64},
		{Name: "label", Type: arrow.PrimitiveTypes.Int64},
		{Name: "pred", Type: arrow.PrimitiveTypes.Int64},
		{Name: "score", Type: arrow.PrimitiveTypes.Float64},
		{Name: "note", Type: arrow.BinaryTypes.String, Nullable: true},
	}, nil)
	var rows []string
	for i := 0; i < 50; i++ {
		note := `"ok"`
		if i == 2 {
			note = `"\u001b[31mred\u001b[0m"` // an escape sequence in the data
		}
		if i == 3 {
			note = "null"
		}
		rows = append(rows, `{"id":`+itoa(i)+`,"label":`+itoa(i%3)+`,"pred":`+itoa((i+i/7)%3)+`,"score":0.`+itoa(50+i)+`,"note":`+note+`}`)
	}
	rec, _, err := array.RecordFromJSON(mem, schema, strings.NewReader("["+strings.Join(rows, ",")+"]"))
	if err != nil {
		t.Fatal(err)
	}
	return dataset.NewTable(schema, []arrow.RecordBatch{rec})
}

func itoa(i int) string { return strconv.Itoa(i) }

func press(m Model, keys ...string) Model {
	for _, k := range keys {
		var msg tea.KeyPressMsg
		switch k {
		case "down":
			msg = tea.KeyPressMsg{Code: tea.KeyDown}
		case "right":
			msg = tea.KeyPressMsg{Code: tea.KeyRight}
		default:
			msg = tea.KeyPressMsg{Code: rune(k[0]), Text: k}
		}
		next, _ := m.Update(msg)
		m = next.(Model)
	}
	return m
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", t.Name(), name+".golden")
	if *update {
		os.MkdirAll(filepath.Dir(path), 0o755)
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", name, path, got, want)
	}
}

func TestTableView(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	tbl := testTable(t, mem)
	defer tbl.Release()
	m := New("test table", tbl, []string{"cat", "dog", "bird"}, []string{"label", "pred"})
	next, _ := m.Update(tea.WindowSizeMsg{Width: 60, Height: 10})
	m = next.(Model)
	golden(t, "start", m.Render())
	golden(t, "scrolled", press(m, "down", "j", "f").Render())
	golden(t, "bottom", press(m, "G").Render())
	golden(t, "columns_right", press(m, "right", "l").Render())
}

// TestViewWidths sweeps terminal sizes: no line may be wider than the
// terminal, and no escape sequence from the data may reach it.
func TestViewWidths(t *testing.T) {
	mem := memory.NewCheckedAllocator(memory.DefaultAllocator)
	defer mem.AssertSize(t, 0)
	tbl := testTable(t, mem)
	defer tbl.Release()
	for w := 20; w <= 140; w += 7 {
		for _, h := range []int{5, 24} {
			m := New("a rather long title for a narrow terminal", tbl, nil, nil)
			next, _ := m.Update(tea.WindowSizeMsg{Width: w, Height: h})
			out := next.(Model).Render()
			lines := strings.Split(out, "\n")
			if len(lines) != h {
				t.Errorf("%dx%d: %d lines, want %d", w, h, len(lines), h)
			}
			for i, line := range lines {
				if lw := ansi.StringWidth(line); lw > w {
					t.Errorf("%dx%d: line %d is %d wide: %q", w, h, i, lw, line)
				}
				if strings.ContainsRune(line, '\x1b') {
					t.Errorf("%dx%d: line %d carries a raw escape: %q", w, h, i, line)
				}
			}
		}
	}
}

func BenchmarkRender(b *testing.B) {
	t := &testing.T{}
	tbl := testTable(t, memory.DefaultAllocator)
	defer tbl.Release()
	for _, size := range [][2]int{{80, 24}, {250, 70}} {
		m := New("bench", tbl, nil, nil)
		next, _ := m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		m = next.(Model)
		b.Run(itoa(size[0]/10)+"0cols", func(b *testing.B) {
			for b.Loop() {
				_ = m.Render()
			}
		})
	}
}
