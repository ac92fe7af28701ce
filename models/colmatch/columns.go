package colmatch

import "github.com/flowbatch/flowbatch/models/textclip"

// MaxSamples is how many sample values a column keeps.
const MaxSamples = 3

// maxSampleLen bounds one sample value, in bytes.
const maxSampleLen = 80

// Column is one column of a payload, as seen in its first records.
type Column struct {
	// Name is how fields refer to the column (a field's source).
	Name string `json:"name"`
	// Position is the 0-based order of first appearance.
	Position int `json:"position"`
	// Samples are up to MaxSamples distinct non-empty values.
	Samples []string `json:"samples"`
}

// Collector gathers columns and their samples from records, in the order
// names first appear.
type Collector struct {
	cols  []Column
	index map[string]int
}

// Add notes one value of column name. A column without a name (an empty
// CSV header cell) cannot be chosen, so it is not collected.
func (c *Collector) Add(name, value string) {
	if name == "" {
		return
	}
	if c.index == nil {
		c.index = map[string]int{}
	}
	i, ok := c.index[name]
	if !ok {
		i = len(c.cols)
		c.index[name] = i
		c.cols = append(c.cols, Column{Name: name, Position: i, Samples: []string{}})
	}
	col := &c.cols[i]
	if value == "" || len(col.Samples) >= MaxSamples {
		return
	}
	value = textclip.Clip(value, maxSampleLen)
	for _, s := range col.Samples {
		if s == value {
			return
		}
	}
	col.Samples = append(col.Samples, value)
}

// Columns returns the columns gathered so far.
func (c *Collector) Columns() []Column { return c.cols }

// Names returns the names of columns, in order.
func Names(columns []Column) []string {
	out := make([]string, len(columns))
	for i, c := range columns {
		out[i] = c.Name
	}
	return out
}
