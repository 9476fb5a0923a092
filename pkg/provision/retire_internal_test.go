package provision

import (
	"errors"
	"strings"
	"testing"
	"time"
)

// The pure decision of Retire, case by case.
func TestRetireDecide(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return now.Add(time.Duration(h) * time.Hour) }
	have := []secret{
		{id: "old", start: at(-100), acrgen: true},
		{id: "recorded", start: at(-48), acrgen: true},
		{id: "hand-made", start: at(-200)},
		{id: "pending", start: at(-1), acrgen: true},
	}
	ids := func(ss []secret) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.id)
		}
		return strings.Join(out, ",")
	}
	for _, tc := range []struct {
		name            string
		recorded        []string
		since           time.Time
		grace           time.Duration
		abandoned       bool
		remove, pending string
		wait            bool
		err             error
	}{
		{name: "older acrgen passwords go; the pending one and hand-made ones stay", recorded: []string{"recorded"}, grace: 24 * time.Hour, remove: "old", pending: "pending"},
		{name: "abandoned: the pending one goes too", recorded: []string{"recorded"}, grace: 24 * time.Hour, abandoned: true, remove: "old,pending"},
		{name: "a recorded password inside the grace period: the same plan, to wait for", recorded: []string{"recorded"}, grace: 72 * time.Hour, wait: true, remove: "old", pending: "pending"},
		{name: "the newest of several recorded decides", recorded: []string{"old", "pending"}, grace: 0, remove: "recorded"},
		{name: "a recorded password Azure lacks: nothing, an error", recorded: []string{"recorded", "gone"}, err: ErrRecordedMissing},
		{name: "nothing recorded: an error", err: ErrInvalidOptions},
		{name: "created long ago but committed an hour ago (a pull request open for days): wait", recorded: []string{"recorded"}, since: at(-1), grace: 24 * time.Hour, wait: true, remove: "old", pending: "pending"},
		{name: "committed longer ago than the grace: remove", recorded: []string{"recorded"}, since: at(-30), grace: 24 * time.Hour, remove: "old", pending: "pending"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := retirePlan{now: now, grace: tc.grace, abandoned: tc.abandoned}
			remove, pending, wait, err := p.decide(have, tc.recorded, tc.since, "application x")
			if !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
				t.Fatalf("error %v, want %v", err, tc.err)
			}
			if ids(remove) != tc.remove || ids(pending) != tc.pending || wait.IsZero() == tc.wait {
				t.Errorf("remove %q pending %q wait %v; want %q %q %v", ids(remove), ids(pending), wait, tc.remove, tc.pending, tc.wait)
			}
		})
	}
}

func TestPullCondition(t *testing.T) {
	t.Parallel()
	got := pullCondition([]string{"team/*", "app", "app"})
	want := "((!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/content/read'}) AND " +
		"!(ActionMatches{'Microsoft.ContainerRegistry/registries/repositories/metadata/read'})) OR " +
		"(@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringEqualsIgnoreCase 'app' OR " +
		"@Request[Microsoft.ContainerRegistry/registries/repositories:name] StringStartsWithIgnoreCase 'team/'))"
	if got != want {
		t.Errorf("condition\n%s\nwant\n%s", got, want)
	}
	if !sameCondition(want, strings.ReplaceAll(want, " OR ", "\n  OR ")) {
		t.Error("whitespace makes conditions differ")
	}
}
