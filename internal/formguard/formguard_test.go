package formguard

import (
	"testing"
	"time"
)

// The stamper and the limiter are tested where the join form uses them
// (internal/membership/spam_test.go); this checks what the sharing adds: a
// stamp of one form is refused by another with the same key.
func TestPurposeSeparatesForms(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC)
	join := Stamper{Purpose: "join", Key: []byte("k")}
	petition := Stamper{Purpose: "petition", Key: []byte("k")}
	v := join.Stamp(t0)
	if got := join.Check(v, t0.Add(time.Minute), time.Second); got != OK {
		t.Fatalf("own stamp: %v", got)
	}
	if got := petition.Check(v, t0.Add(time.Minute), time.Second); got != Invalid {
		t.Errorf("another form's stamp: %v, want Invalid", got)
	}
	if RetryAfter(1500*time.Millisecond) != "2" || RetryAfter(0) != "1" {
		t.Error("RetryAfter rounds up to whole seconds, at least 1")
	}
}
