package bot

import (
	"strings"
	"testing"
	"time"

	"github.com/feedbackbot/feedbackbot"
)

// TestFollowUpSaysAChurnSignalStands: an alert for churn signals closed with the
// account no longer at risk but the statement not taken back is listed apart from
// the recoveries and from the accounts that went silent, saying so (its customers
// wrote: "nothing recent to judge" would be false).
func TestFollowUpSaysAChurnSignalStands(t *testing.T) {
	end := time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	raised := end.Add(-72 * time.Hour)
	f := &feedbackbot.AlertFollowUp{Raised: 1, ChurnStands: []feedbackbot.AlertBrief{{Account: "Gridline <Energy>", RaisedAt: raised, ResolvedAt: raised.Add(48 * time.Hour)}}}
	got := followUpText(f, end)
	for _, want := range []string{"1 closed with a churn signal not taken back", "not a recovery", "Gridline &lt;Energy&gt;, 2.0 days after the alert"} {
		if !strings.Contains(got, want) {
			t.Errorf("follow-up lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "nothing recent to judge") {
		t.Errorf("follow-up calls a churn signal standing silence:\n%s", got)
	}
}
