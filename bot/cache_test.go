package bot

import (
	"strings"
	"testing"
)

func TestCacheForgetsTheLeastRecentlyUsed(t *testing.T) {
	tests := []struct {
		name string
		ops  string // "put k", "get k", comma-separated
		want string // keys still cached, in any order of a..d
	}{
		{"under the limit keeps all", "put a,put b", "ab"},
		{"full forgets the oldest", "put a,put b,put c", "bc"},
		{"a read makes an entry recent", "put a,put b,get a,put c", "ac"},
		{"a write makes an entry recent", "put a,put b,put a,put c", "ac"},
		{"a miss changes nothing", "put a,put b,get d,put c", "bc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := cache[int]{max: 2}
			for i, op := range strings.Split(tt.ops, ",") {
				verb, key, _ := strings.Cut(op, " ")
				if verb == "put" {
					c.put(key, i)
				} else {
					c.get(key)
				}
			}
			got := ""
			for _, k := range []string{"a", "b", "c", "d"} {
				if _, ok := c.get(k); ok {
					got += k
				}
			}
			if got != tt.want {
				t.Errorf("cached %q, want %q", got, tt.want)
			}
		})
	}
}
