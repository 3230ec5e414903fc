package fakeslack

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// statefulElements are the elements whose value Slack reports in
// view.state.values.
var statefulElements = map[string]bool{
	"plain_text_input": true, "email_text_input": true, "url_text_input": true, "number_input": true,
	"static_select": true, "external_select": true, "users_select": true, "conversations_select": true, "channels_select": true,
	"multi_static_select": true, "multi_external_select": true, "multi_users_select": true, "multi_conversations_select": true,
	"multi_channels_select": true, "checkboxes": true, "radio_buttons": true, "datepicker": true, "timepicker": true,
	"datetimepicker": true, "rich_text_input": true,
}

// stateTarget is one stateful element of a view.
type stateTarget struct {
	blockID, actionID string
	block, elem       map[string]any
	input             bool // the element of an input block
}

// stateIndex lists a block list's stateful elements, in order, and how
// many each block holds.
type stateIndex struct {
	targets  []stateTarget
	perBlock map[string]int
}

func newStateIndex(blocks []any) stateIndex {
	ix := stateIndex{perBlock: map[string]int{}}
	for _, raw := range blocks {
		b, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		bid, _ := b["block_id"].(string)
		for _, e := range blockElements(b) {
			typ, _ := e["type"].(string)
			if !statefulElements[typ] {
				continue
			}
			aid, _ := e["action_id"].(string)
			ix.targets = append(ix.targets, stateTarget{blockID: bid, actionID: aid, block: b, elem: e, input: b["type"] == "input"})
			ix.perBlock[bid]++
		}
	}
	return ix
}

// initialState returns view.state.values as Slack reports them before the
// user changed anything (initial values, else empty).
func initialState(blocks []any) map[string]any {
	st, _ := stateValues(newStateIndex(blocks), nil, nil)
	return st
}

// stateValues builds view.state.values the way Slack does, for a user who
// set the given values. values is keyed by block_id (or
// "block_id/action_id" for a block with several stateful elements). A nil
// values map builds the initial state without checks. known answers whether
// a user or conversation id exists (nil accepts any).
func stateValues(ix stateIndex, values map[string]any, known func(kind, id string) bool) (map[string]any, error) {
	strict := values != nil
	used := map[string]bool{}
	out := map[string]any{}
	for _, t := range ix.targets {
		key := t.blockID
		v, set := values[key]
		if ix.perBlock[t.blockID] > 1 || !set {
			key = t.blockID + "/" + t.actionID
			v, set = values[key]
		}
		if set {
			used[key] = true
		}
		state, empty, err := elementState(t.elem, v, set, strict, known)
		if err != nil {
			return nil, fmt.Errorf("block %q action %q: %w", t.blockID, t.actionID, err)
		}
		if strict && t.input && empty && t.block["optional"] != true {
			return nil, fmt.Errorf("block %q: this input is required (Slack's client refuses to submit it empty): %w", t.blockID, ErrInvalidInput)
		}
		m, _ := out[t.blockID].(map[string]any)
		if m == nil {
			m = map[string]any{}
			out[t.blockID] = m
		}
		m[t.actionID] = state
	}
	for k := range values {
		if !used[k] {
			return nil, fmt.Errorf("no stateful element with block_id %q in the view: %w", k, ErrNotFound)
		}
	}
	return out, nil
}

// elementState renders one element's state. set says whether the user
// gave a value (v may then be nil: the user cleared the input).
func elementState(e map[string]any, v any, set, strict bool, known func(kind, id string) bool) (map[string]any, bool, error) {
	typ, _ := e["type"].(string)
	st := map[string]any{"type": typ}
	bad := func(format string, args ...any) (map[string]any, bool, error) {
		return nil, false, fmt.Errorf("%s: %s: %w", typ, fmt.Sprintf(format, args...), ErrInvalidInput)
	}
	switch typ {
	case "plain_text_input", "email_text_input", "url_text_input", "number_input":
		val, ok, err := scalarValue(e, v, set, "initial_value")
		if err != nil {
			return bad("%v", err)
		}
		if !ok {
			st["value"] = nil
			return st, true, nil
		}
		if strict && set {
			if err := checkTextValue(e, typ, val); err != nil {
				return bad("%v", err)
			}
		}
		st["value"] = val
		return st, val == "", nil
	case "static_select", "external_select", "radio_buttons":
		val, ok, err := scalarValue(e, v, set, "")
		if err != nil {
			return bad("%v", err)
		}
		if !set {
			if init, ok := e["initial_option"].(map[string]any); ok {
				st["selected_option"] = init
				return st, false, nil
			}
		}
		if !ok || val == "" {
			st["selected_option"] = nil
			return st, true, nil
		}
		opt, found := findOption(e, val)
		if !found {
			if typ != "external_select" {
				return bad("no option with value %q", val)
			}
			opt = map[string]any{"text": map[string]any{"type": "plain_text", "text": val, "emoji": true}, "value": val}
		}
		st["selected_option"] = opt
		return st, false, nil
	case "multi_static_select", "multi_external_select", "checkboxes":
		if !set {
			init, _ := e["initial_options"].([]any)
			if init == nil {
				init = []any{}
			}
			st["selected_options"] = init
			return st, len(init) == 0, nil
		}
		vals, err := listValue(v)
		if err != nil {
			return bad("%v", err)
		}
		opts := []any{}
		for _, val := range vals {
			opt, found := findOption(e, val)
			if !found {
				if typ != "multi_external_select" {
					return bad("no option with value %q", val)
				}
				opt = map[string]any{"text": map[string]any{"type": "plain_text", "text": val, "emoji": true}, "value": val}
			}
			opts = append(opts, opt)
		}
		if most, ok := e["max_selected_items"].(float64); ok && strict && len(opts) > int(most) {
			return bad("at most %d items can be selected", int(most))
		}
		st["selected_options"] = opts
		return st, len(opts) == 0, nil
	case "users_select", "conversations_select", "channels_select":
		field := map[string]string{"users_select": "user", "conversations_select": "conversation", "channels_select": "channel"}[typ]
		val, ok, err := scalarValue(e, v, set, "initial_"+field)
		if err != nil {
			return bad("%v", err)
		}
		if ok && set && strict && known != nil && !known(field, val) {
			return bad("unknown %s %q", field, val)
		}
		if !ok || val == "" {
			st["selected_"+field] = nil
			return st, true, nil
		}
		st["selected_"+field] = val
		return st, false, nil
	case "multi_users_select", "multi_conversations_select", "multi_channels_select":
		field := map[string]string{"multi_users_select": "user", "multi_conversations_select": "conversation", "multi_channels_select": "channel"}[typ]
		var vals []string
		if set {
			var err error
			if vals, err = listValue(v); err != nil {
				return bad("%v", err)
			}
		} else if init, ok := e["initial_"+field+"s"].([]any); ok {
			for _, x := range init {
				if s, ok := x.(string); ok {
					vals = append(vals, s)
				}
			}
		}
		if vals == nil {
			vals = []string{}
		}
		for _, id := range vals {
			if set && strict && known != nil && !known(field, id) {
				return bad("unknown %s %q", field, id)
			}
		}
		st["selected_"+field+"s"] = vals
		return st, len(vals) == 0, nil
	case "datepicker":
		val, ok, err := scalarValue(e, v, set, "initial_date")
		if err != nil {
			return bad("%v", err)
		}
		if ok && val != "" && !dateRe.MatchString(val) {
			return bad("%q is not a YYYY-MM-DD date", val)
		}
		if !ok || val == "" {
			st["selected_date"] = nil
			return st, true, nil
		}
		st["selected_date"] = val
		return st, false, nil
	case "timepicker":
		val, ok, err := scalarValue(e, v, set, "initial_time")
		if err != nil {
			return bad("%v", err)
		}
		if ok && val != "" && !timeRe.MatchString(val) {
			return bad("%q is not an HH:MM time", val)
		}
		if tz, ok := e["timezone"].(string); ok {
			st["timezone"] = tz
		}
		if !ok || val == "" {
			st["selected_time"] = nil
			return st, true, nil
		}
		st["selected_time"] = val
		return st, false, nil
	case "datetimepicker":
		var secs any
		switch x := v.(type) {
		case nil:
			if !set {
				secs = e["initial_date_time"]
			}
		case int:
			secs = x
		case int64:
			secs = x
		case float64:
			secs = int64(x)
		case string:
			n, err := strconv.ParseInt(x, 10, 64)
			if err != nil {
				return bad("%q is not a Unix time", x)
			}
			secs = n
		default:
			return bad("value must be a Unix time, got %T", v)
		}
		st["selected_date_time"] = secs
		return st, secs == nil, nil
	case "rich_text_input":
		if !set {
			st["rich_text_value"] = e["initial_value"]
			return st, e["initial_value"] == nil, nil
		}
		switch x := v.(type) {
		case nil:
			st["rich_text_value"] = nil
			return st, true, nil
		case string:
			st["rich_text_value"] = map[string]any{"type": "rich_text", "elements": []any{
				map[string]any{"type": "rich_text_section", "elements": []any{map[string]any{"type": "text", "text": x}}},
			}}
			return st, x == "", nil
		case json.RawMessage:
			var doc any
			if err := json.Unmarshal(x, &doc); err != nil {
				return bad("invalid rich text JSON: %v", err)
			}
			st["rich_text_value"] = doc
			return st, false, nil
		default:
			return bad("value must be a string or json.RawMessage, got %T", v)
		}
	}
	return bad("element type is not supported by the fake")
}

// scalarValue returns the user's (or initial) value as a string; ok is
// false when there is none.
func scalarValue(e map[string]any, v any, set bool, initialKey string) (string, bool, error) {
	if !set {
		if initialKey == "" {
			return "", false, nil
		}
		init, ok := e[initialKey].(string)
		return init, ok, nil
	}
	switch x := v.(type) {
	case nil:
		return "", false, nil
	case string:
		return x, true, nil
	case int:
		return strconv.Itoa(x), true, nil
	case int64:
		return strconv.FormatInt(x, 10), true, nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true, nil
	default:
		return "", false, fmt.Errorf("value must be a string, got %T", v)
	}
}

func listValue(v any) ([]string, error) {
	switch x := v.(type) {
	case nil:
		return []string{}, nil
	case []string:
		return x, nil
	case string:
		return []string{x}, nil
	default:
		return nil, fmt.Errorf("value must be a []string, got %T", v)
	}
}

// checkTextValue applies the checks Slack's client makes before submitting.
func checkTextValue(e map[string]any, typ, val string) error {
	if val == "" {
		return nil
	}
	switch typ {
	case "plain_text_input":
		n := utf8.RuneCountInString(val)
		if hi, ok := e["max_length"].(float64); ok && n > int(hi) {
			return fmt.Errorf("%d characters exceed max_length %d", n, int(hi))
		}
		if lo, ok := e["min_length"].(float64); ok && n < int(lo) {
			return fmt.Errorf("%d characters are under min_length %d", n, int(lo))
		}
		if e["multiline"] != true && strings.Contains(val, "\n") {
			return fmt.Errorf("a single-line input cannot hold a newline")
		}
	case "number_input":
		f, err := strconv.ParseFloat(val, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", val)
		}
		if e["is_decimal_allowed"] != true && f != float64(int64(f)) {
			return fmt.Errorf("%q is not a whole number", val)
		}
		if s, ok := e["min_value"].(string); ok {
			if lo, err := strconv.ParseFloat(s, 64); err == nil && f < lo {
				return fmt.Errorf("%s is under min_value %s", val, s)
			}
		}
		if s, ok := e["max_value"].(string); ok {
			if hi, err := strconv.ParseFloat(s, 64); err == nil && f > hi {
				return fmt.Errorf("%s is over max_value %s", val, s)
			}
		}
	case "email_text_input":
		if at := strings.Index(val, "@"); at <= 0 || at == len(val)-1 {
			return fmt.Errorf("%q is not an email address", val)
		}
	case "url_text_input":
		if u, err := url.Parse(val); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("%q is not a URL", val)
		}
	}
	return nil
}

// findOption finds an option (in options or option_groups) by value.
func findOption(e map[string]any, value string) (map[string]any, bool) {
	var all []any
	if opts, ok := e["options"].([]any); ok {
		all = append(all, opts...)
	}
	if groups, ok := e["option_groups"].([]any); ok {
		for _, g := range groups {
			if gm, ok := g.(map[string]any); ok {
				if opts, ok := gm["options"].([]any); ok {
					all = append(all, opts...)
				}
			}
		}
	}
	for _, o := range all {
		if om, ok := o.(map[string]any); ok && om["value"] == value {
			return om, true
		}
	}
	return nil, false
}
