package store

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestStatementCountsAlwaysThere (review, defect 11): the report's
// statements carry every count the contract lists, 0 included: outside
// was left out when 0 while the others were always there.
func TestStatementCountsAlwaysThere(t *testing.T) {
	b, err := json.Marshal(StatementInfo{Account: "a", Status: StatementRead, Path: "s.csv"})
	if err != nil {
		t.Fatal(err)
	}
	for _, count := range []string{"rows", "invalid", "matched", "missing", "outside", "confirmed"} {
		if !strings.Contains(string(b), `"`+count+`":0`) {
			t.Errorf("%s is not in %s", count, b)
		}
	}
}
