package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"

	"github.com/dlclark/regexp2"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"sigs.k8s.io/yaml"

	"github.com/jobdesc/jobdesc/bot"
)

// methodScopes is what Slack documents each Web API method the bot calls
// to need (bot token scopes; "" for none). apps.connections.open uses the
// app-level token's connections:write, which is not a manifest scope.
var methodScopes = map[string][]string{
	"auth.test":             nil,
	"apps.connections.open": nil,
	"views.open":            nil,
	"views.update":          nil,
	"views.push":            nil,
	"views.publish":         nil,
	"chat.postMessage":      {"chat:write", "chat:write.public"}, // .public: post in public channels without joining
	"chat.postEphemeral":    {"chat:write"},
	"chat.update":           {"chat:write"},
	"chat.getPermalink":     nil,
	"reactions.add":         {"reactions:write"},
	"users.info":            {"users:read"},
	"conversations.info":    {"channels:read"},
	// an outbox retry looks for a post it may have made but not recorded
	"conversations.history": {"channels:history", "groups:history"},
}

// eventScopes is what each bot event needs.
var eventScopes = map[string][]string{
	"reaction_added":   {"reactions:read"},
	"reaction_removed": {"reactions:read"},
	"app_home_opened":  nil,
}

type manifest struct {
	Features struct {
		SlashCommands []struct {
			Command string `json:"command"`
		} `json:"slash_commands"`
		AppHome struct {
			HomeTabEnabled bool `json:"home_tab_enabled"`
		} `json:"app_home"`
	} `json:"features"`
	OAuthConfig struct {
		Scopes struct {
			Bot []string `json:"bot"`
		} `json:"scopes"`
	} `json:"oauth_config"`
	Settings struct {
		EventSubscriptions struct {
			BotEvents []string `json:"bot_events"`
		} `json:"event_subscriptions"`
		Interactivity struct {
			IsEnabled bool `json:"is_enabled"`
		} `json:"interactivity"`
		SocketModeEnabled bool `json:"socket_mode_enabled"`
	} `json:"settings"`
}

func readManifest(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "manifest.yml"))
	if err != nil {
		t.Fatalf("read manifest.yml: %v", err)
	}
	return b
}

// schemaDir finds ../shared/slack-schemas beside the repository, or skips.
func schemaDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "slack-schemas")
		if _, err := os.Stat(filepath.Join(p, "manifest.schema.1.0.0.json")); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Skip("skipping: ../shared/slack-schemas not found beside the repository, so the manifest can't be checked against Slack's schema")
		}
		dir = parent
	}
}

type ecmaRegexp regexp2.Regexp // Go's regexp cannot compile the manifest schema's "(?!"

func (re *ecmaRegexp) MatchString(s string) bool {
	ok, err := (*regexp2.Regexp)(re).MatchString(s)
	return err == nil && ok
}
func (re *ecmaRegexp) String() string { return (*regexp2.Regexp)(re).String() }

func compileManifestSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.UseRegexpEngine(func(s string) (jsonschema.Regexp, error) {
		re, err := regexp2.Compile(s, regexp2.ECMAScript)
		if err != nil {
			return nil, err
		}
		return (*ecmaRegexp)(re), nil
	})
	s, err := c.Compile(filepath.Join(schemaDir(t), "manifest.schema.1.0.0.json"))
	if err != nil {
		t.Fatalf("compile manifest schema: %v", err)
	}
	return s
}

func validateYAML(s *jsonschema.Schema, doc []byte) error {
	j, err := yaml.YAMLToJSON(doc)
	if err != nil {
		return err
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(j))
	if err != nil {
		return err
	}
	return s.Validate(v)
}

func TestManifestMatchesSlackSchema(t *testing.T) {
	s := compileManifestSchema(t)
	if err := validateYAML(s, readManifest(t)); err != nil {
		t.Errorf("manifest.yml does not validate: %v", err)
	}
	// The schema check must be able to fail: an unknown setting is rejected.
	broken := append(readManifest(t), []byte("  bad_param: true\n")...)
	if err := validateYAML(s, broken); err == nil {
		t.Error("a manifest with settings.bad_param validated; the schema check is not working")
	}
}

// TestManifestGrantsWhatTheCodeUses fails when the bot handles an event or
// calls a method the manifest doesn't grant, when the manifest grants a
// scope nothing uses, or when the command differs from the one routed.
func TestManifestGrantsWhatTheCodeUses(t *testing.T) {
	var m manifest
	if err := yaml.Unmarshal(readManifest(t), &m); err != nil {
		t.Fatalf("parse manifest.yml: %v", err)
	}
	if err := manifestProblems(m, bot.Command, bot.Methods(), bot.Events()); len(err) > 0 {
		for _, e := range err {
			t.Error(e)
		}
	}
	t.Run("a removed scope is caught", func(t *testing.T) {
		mm := m
		mm.OAuthConfig.Scopes.Bot = slices.DeleteFunc(slices.Clone(m.OAuthConfig.Scopes.Bot), func(s string) bool { return s == "reactions:read" })
		if got := manifestProblems(mm, bot.Command, bot.Methods(), bot.Events()); len(got) == 0 {
			t.Error("removing reactions:read went unnoticed")
		}
	})
	t.Run("a renamed command is caught", func(t *testing.T) {
		if got := manifestProblems(m, "/jobdescription", bot.Methods(), bot.Events()); len(got) == 0 {
			t.Error("a command the manifest doesn't declare went unnoticed")
		}
	})
	t.Run("an unhandled event is caught", func(t *testing.T) {
		if got := manifestProblems(m, bot.Command, bot.Methods(), append(bot.Events(), "message")); len(got) == 0 {
			t.Error("an event the manifest doesn't subscribe to went unnoticed")
		}
	})
}

func manifestProblems(m manifest, command string, methods, events []string) []string {
	var problems []string
	var commands []string
	for _, c := range m.Features.SlashCommands {
		commands = append(commands, c.Command)
	}
	if len(commands) != 1 || commands[0] != command {
		problems = append(problems, "manifest commands "+join(commands)+", the bot routes "+command)
	}
	if !m.Settings.SocketModeEnabled || !m.Settings.Interactivity.IsEnabled || !m.Features.AppHome.HomeTabEnabled {
		problems = append(problems, "manifest must enable socket mode, interactivity and the home tab")
	}
	granted := map[string]bool{}
	for _, s := range m.OAuthConfig.Scopes.Bot {
		granted[s] = true
	}
	needed := map[string]bool{}
	for _, meth := range methods {
		scopes, known := methodScopes[meth]
		if !known {
			problems = append(problems, "the bot calls "+meth+", whose scope this test does not know: add it to methodScopes")
		}
		for _, s := range scopes {
			needed[s] = true
		}
	}
	subscribed := map[string]bool{}
	for _, e := range m.Settings.EventSubscriptions.BotEvents {
		subscribed[e] = true
	}
	for _, e := range events {
		if !subscribed[e] {
			problems = append(problems, "the bot handles "+e+" but the manifest does not subscribe to it")
		}
		scopes, known := eventScopes[e]
		if !known {
			problems = append(problems, "the bot handles "+e+", whose scope this test does not know: add it to eventScopes")
		}
		for _, s := range scopes {
			needed[s] = true
		}
	}
	for e := range subscribed {
		if !slices.Contains(events, e) {
			problems = append(problems, "the manifest subscribes to "+e+" but the bot does not handle it")
		}
	}
	if command != "" {
		needed["commands"] = true
	}
	for s := range needed {
		if !granted[s] {
			problems = append(problems, "the code needs scope "+s+" but the manifest does not grant it")
		}
	}
	for s := range granted {
		if !needed[s] {
			problems = append(problems, "the manifest grants scope "+s+" that no method or event needs")
		}
	}
	sort.Strings(problems)
	return problems
}

func join(ss []string) string {
	if len(ss) == 0 {
		return "(none)"
	}
	b := ss[0]
	for _, s := range ss[1:] {
		b += ", " + s
	}
	return b
}
