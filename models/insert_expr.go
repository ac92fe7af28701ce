package models

import (
	"context"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// InsertExpr is a column value that the database computes as GORM inserts
// the row (GORM's "create from SQL expression"), so that a row gets a value
// built from other tables in its own INSERT; the zero InsertExpr inserts
// NULL.
type InsertExpr struct {
	SQL  string
	Vars []any
}

// GormValue implements gorm.Valuer.
func (e InsertExpr) GormValue(context.Context, *gorm.DB) clause.Expr {
	if e.SQL == "" {
		return clause.Expr{SQL: "NULL"}
	}
	return clause.Expr{SQL: e.SQL, Vars: e.Vars}
}
