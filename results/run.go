package results

import "time"

// Status is the outcome of a run as recorded in the runs table.
type Status string

// Run statuses. A run is inserted as running when it starts; it ends
// completed (its rows are visible), failed or cancelled (no rows). A
// running row whose process died is reported as failed the next time a
// store is opened for writing.
const (
	StatusRunning   Status = "running"
	StatusCompleted Status = "completed"
	StatusFailed    Status = "failed"
	StatusCancelled Status = "cancelled"
)

// Run is one row of the runs table.
type Run struct {
	ID              string
	Scenario        string
	ScenarioHash    string
	ScenarioJSON    string
	DataFingerprint string
	CodeVersion     string
	Seed            uint64
	DataFrom        time.Time
	DataTo          time.Time
	Started         time.Time
	Finished        time.Time
	Status          Status
	Error           string
	Digest          string
	Events          int64
	DataQuality     string
	PID             int
	Host            string
}
