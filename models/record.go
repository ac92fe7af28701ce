package models

import (
	"encoding/json"
	"time"

	"github.com/google/uuid"
)

// Record is one row of a flow, written by the ingest engine with COPY.
type Record struct {
	ID         uuid.UUID  `gorm:"type:uuid;primaryKey"`
	AccountID  uuid.UUID  `gorm:"type:uuid"`
	FlowID     uuid.UUID  `gorm:"type:uuid"`
	BatchID    *uuid.UUID `gorm:"type:uuid"`
	BatchIndex int64
	Key        *string
	Data       json.RawMessage `gorm:"type:jsonb"`
	CreatedAt  time.Time
	UpdatedAt  time.Time
}
