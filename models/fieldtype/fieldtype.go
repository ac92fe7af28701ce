// Package fieldtype defines the types a mapped field can have. It is a leaf
// package so that the models (which store field definitions) and the ingest
// engine (which checks values against them) share one definition without
// either importing the other.
package fieldtype

import "slices"

// Type is the type a mapped field's value is checked against and stored as.
type Type string

// The field types.
const (
	String   Type = "string"
	Integer  Type = "integer"
	Number   Type = "number"
	Boolean  Type = "boolean"
	Date     Type = "date"
	Datetime Type = "datetime"
)

// All lists every field type, in the order pickers show them.
var All = []Type{String, Integer, Number, Boolean, Date, Datetime}

// Valid reports whether t is one of All.
func (t Type) Valid() bool { return slices.Contains(All, t) }
