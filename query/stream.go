package query

import "github.com/apache/arrow-go/v18/arrow"

// Streamable reports whether the program only filters rows (no sort and no
// limit stage): then it can run batch by batch, as a file is read, and the
// counts of the batches add up to the count of the whole table.
func (p *Program) Streamable() bool {
	for _, s := range p.stages {
		if s.kind != Where {
			return false
		}
	}
	return true
}

// Schema is the schema the program was compiled against.
func (p *Program) Schema() *arrow.Schema { return p.schema }

// StreamShape says how the program can run part by part over a file:
// limit is the N of a final limit stage (-1 without one), and sorted says
// a sort stage comes right before that limit (a top N). ok is false when
// the stages have another shape (a sort without a limit, a where after a
// sort, two limits): such a program needs every row at once.
func (p *Program) StreamShape() (limit int64, sorted bool, ok bool) {
	i := 0
	for i < len(p.stages) && p.stages[i].kind == Where {
		i++
	}
	switch rest := p.stages[i:]; {
	case len(rest) == 0:
		return -1, false, true
	case len(rest) == 1 && rest[0].kind == Limit:
		return rest[0].n, false, true
	case len(rest) == 2 && rest[0].kind == Sort && rest[1].kind == Limit:
		return rest[1].n, true, true
	}
	return 0, false, false
}
