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
