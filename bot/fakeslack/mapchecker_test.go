package fakeslack

import (
	"fmt"
	"unicode/utf8"
)

// The checker as it was on decoded maps (before jsontree.go), kept as the
// oracle jsontree_test.go compares the checker on jsonTree values with.

// checker collects Slack-style validation messages.
type mapChecker struct {
	msgs     []string
	blockIDs map[string]bool
}

func (c *mapChecker) errf(ptr, format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf("[ERROR] %s [json-pointer:%s]", fmt.Sprintf(format, args...), ptr))
}

// str checks an optional string field's length; it returns the value.
func (c *mapChecker) str(obj map[string]any, key, ptr string, maxLen int, required bool) string {
	raw, ok := obj[key]
	if !ok || raw == nil {
		if required {
			c.errf(ptr, "missing required field: %s", key)
		}
		return ""
	}
	s, ok := raw.(string)
	if !ok {
		c.errf(ptr+"/"+key, "must be a string")
		return ""
	}
	if maxLen > 0 && utf8.RuneCountInString(s) > maxLen {
		c.errf(ptr+"/"+key, "must be less than %d characters", maxLen+1)
	}
	return s
}

// text checks a text object. plainOnly demands plain_text.
func (c *mapChecker) text(raw any, ptr string, plainOnly bool, maxLen int) {
	t, ok := raw.(map[string]any)
	if !ok {
		c.errf(ptr, "must be a text object")
		return
	}
	typ, _ := t["type"].(string)
	switch typ {
	case "plain_text":
		if _, ok := t["verbatim"]; ok {
			c.errf(ptr+"/verbatim", "verbatim is only allowed on mrkdwn text objects")
		}
	case "mrkdwn":
		if plainOnly {
			c.errf(ptr+"/type", "must be plain_text")
			return
		}
		if _, ok := t["emoji"]; ok {
			c.errf(ptr+"/emoji", "emoji is not allowed on mrkdwn text objects")
		}
	default:
		c.errf(ptr+"/type", "must be a valid enum value: plain_text or mrkdwn")
		return
	}
	s, isStr := t["text"].(string)
	switch {
	case !isStr:
		c.errf(ptr, "missing required field: text")
	case s == "":
		c.errf(ptr+"/text", "must be more than 0 characters")
	case maxLen > 0 && utf8.RuneCountInString(s) > maxLen:
		c.errf(ptr+"/text", "must be less than %d characters", maxLen+1)
	}
}

func (c *mapChecker) optionalText(obj map[string]any, key, ptr string, plainOnly bool, maxLen int) {
	if raw, ok := obj[key]; ok && raw != nil {
		c.text(raw, ptr+"/"+key, plainOnly, maxLen)
	}
}

// checkView checks a modal or Home tab view.
func mapCheckView(v map[string]any, size int, surface, ptr string) []string {
	c := &mapChecker{blockIDs: map[string]bool{}}
	typ, _ := v["type"].(string)
	if typ != surface {
		c.errf(ptr+"/type", "must be %q", surface)
	}
	if size > maxViewBytes {
		c.errf(ptr, "view must be smaller than %d bytes", maxViewBytes)
	}
	c.str(v, "private_metadata", ptr, 3000, false)
	c.str(v, "callback_id", ptr, 255, false)
	c.str(v, "external_id", ptr, 255, false)
	maxBlocks := MaxHomeBlocks
	if surface == surfaceModal {
		maxBlocks = MaxModalBlocks
		if t, ok := v["title"]; ok && t != nil {
			c.text(t, ptr+"/title", true, 24)
		} else {
			c.errf(ptr, "missing required field: title")
		}
		c.optionalText(v, "submit", ptr, true, 24)
		c.optionalText(v, "close", ptr, true, 24)
	}
	blocks, ok := v["blocks"].([]any)
	if !ok {
		c.errf(ptr, "missing required field: blocks")
		return c.msgs
	}
	c.blocks(blocks, ptr+"/blocks", maxBlocks, surface)
	if surface == surfaceModal {
		hasInput := false
		for _, b := range blocks {
			if m, ok := b.(map[string]any); ok && m["type"] == "input" {
				hasInput = true
			}
		}
		if sub, ok := v["submit"]; hasInput && (!ok || sub == nil) {
			c.errf(ptr, "missing required field: submit (a view with input blocks needs a submit button)")
		}
	}
	return c.msgs
}

// checkBlocks checks a message's blocks.
func mapCheckBlocks(blocks []any, ptr, surface string) []string {
	c := &mapChecker{blockIDs: map[string]bool{}}
	c.blocks(blocks, ptr, MaxMessageBlocks, surface)
	return c.msgs
}

func (c *mapChecker) blocks(blocks []any, ptr string, maxBlocks int, surface string) {
	if len(blocks) > maxBlocks {
		c.errf(ptr, "no more than %d items allowed", maxBlocks)
	}
	for i, raw := range blocks {
		c.block(raw, fmt.Sprintf("%s/%d", ptr, i), surface)
	}
}

func (c *mapChecker) block(raw any, ptr, surface string) {
	b, ok := raw.(map[string]any)
	if !ok {
		c.errf(ptr, "must be an object")
		return
	}
	typ, _ := b["type"].(string)
	if !knownBlocks[typ] {
		c.errf(ptr+"/type", "unsupported type: %q", typ)
		return
	}
	if id := c.str(b, "block_id", ptr, 255, false); id != "" {
		if c.blockIDs[id] {
			c.errf(ptr+"/block_id", "duplicate block_id %q", id)
		}
		c.blockIDs[id] = true
	}
	actionIDs := map[string]bool{}
	switch typ {
	case "section":
		_, hasText := b["text"]
		fields, hasFields := b["fields"].([]any)
		if !hasText && !hasFields {
			c.errf(ptr, "must provide either text or fields")
		}
		if hasText {
			c.text(b["text"], ptr+"/text", false, 3000)
		}
		if hasFields {
			if len(fields) > 10 {
				c.errf(ptr+"/fields", "no more than 10 items allowed")
			}
			for i, f := range fields {
				c.text(f, fmt.Sprintf("%s/fields/%d", ptr, i), false, 2000)
			}
		}
		if acc, ok := b["accessory"]; ok {
			c.element(acc, ptr+"/accessory", accessoryElements, actionIDs)
		}
	case "header":
		if t, ok := b["text"]; ok {
			c.text(t, ptr+"/text", true, 150)
		} else {
			c.errf(ptr, "missing required field: text")
		}
	case "context":
		els, ok := b["elements"].([]any)
		if !ok || len(els) == 0 {
			c.errf(ptr, "missing required field: elements")
			break
		}
		if len(els) > 10 {
			c.errf(ptr+"/elements", "no more than 10 items allowed")
		}
		for i, e := range els {
			ep := fmt.Sprintf("%s/elements/%d", ptr, i)
			m, _ := e.(map[string]any)
			if m != nil && m["type"] == "image" {
				c.image(m, ep)
			} else {
				c.text(e, ep, false, 3000)
			}
		}
	case "actions":
		els, ok := b["elements"].([]any)
		if !ok || len(els) == 0 {
			c.errf(ptr, "missing required field: elements")
			break
		}
		if len(els) > 25 {
			c.errf(ptr+"/elements", "no more than 25 items allowed")
		}
		for i, e := range els {
			c.element(e, fmt.Sprintf("%s/elements/%d", ptr, i), actionsElements, actionIDs)
		}
	case "input":
		if l, ok := b["label"]; ok {
			c.text(l, ptr+"/label", true, 2000)
		} else {
			c.errf(ptr, "missing required field: label")
		}
		if e, ok := b["element"]; ok {
			c.element(e, ptr+"/element", inputElements, actionIDs)
		} else {
			c.errf(ptr, "missing required field: element")
		}
		c.optionalText(b, "hint", ptr, true, 2000)
		if e, _ := b["element"].(map[string]any); e != nil && e["type"] == "file_input" && surface != surfaceModal {
			c.errf(ptr+"/element/type", "file_input is only allowed in modals")
		}
	case "image":
		c.image(b, ptr)
		c.optionalText(b, "title", ptr, true, 2000)
	case "markdown":
		c.str(b, "text", ptr, 12000, true)
	}
}

func (c *mapChecker) image(m map[string]any, ptr string) {
	_, url := m["image_url"]
	_, file := m["slack_file"]
	if !url && !file {
		c.errf(ptr, "missing required field: image_url or slack_file")
	}
	c.str(m, "image_url", ptr, 3000, false)
	c.str(m, "alt_text", ptr, 2000, true)
}

func (c *mapChecker) element(raw any, ptr string, allowed map[string]bool, actionIDs map[string]bool) {
	e, ok := raw.(map[string]any)
	if !ok {
		c.errf(ptr, "must be an object")
		return
	}
	typ, _ := e["type"].(string)
	if !allowed[typ] {
		c.errf(ptr+"/type", "unsupported type: %q", typ)
		return
	}
	if id := c.str(e, "action_id", ptr, 255, false); id != "" {
		if actionIDs[id] {
			c.errf(ptr+"/action_id", "duplicate action_id %q", id)
		}
		actionIDs[id] = true
	}
	c.optionalText(e, "placeholder", ptr, true, 150)
	switch typ {
	case "button":
		if t, ok := e["text"]; ok {
			c.text(t, ptr+"/text", true, 75)
		} else {
			c.errf(ptr, "missing required field: text")
		}
		c.str(e, "value", ptr, 2000, false)
		c.str(e, "url", ptr, 3000, false)
		if st, ok := e["style"]; ok && st != "primary" && st != "danger" {
			c.errf(ptr+"/style", "must be a valid enum value: primary or danger")
		}
	case "plain_text_input":
		c.intRange(e, "max_length", ptr, 1, 3000)
		c.intRange(e, "min_length", ptr, 0, 3000)
		c.str(e, "initial_value", ptr, 3000, false)
	case "static_select", "multi_static_select":
		opts, hasOpts := e["options"].([]any)
		groups, hasGroups := e["option_groups"].([]any)
		if !hasOpts && !hasGroups {
			c.errf(ptr, "missing required field: options or option_groups")
		}
		if len(opts) > 100 {
			c.errf(ptr+"/options", "no more than 100 items allowed")
		}
		for i, o := range opts {
			c.option(o, fmt.Sprintf("%s/options/%d", ptr, i), true)
		}
		for i, g := range groups {
			gp := fmt.Sprintf("%s/option_groups/%d", ptr, i)
			gm, _ := g.(map[string]any)
			if gm == nil {
				c.errf(gp, "must be an object")
				continue
			}
			c.optionalText(gm, "label", gp, true, 75)
			gopts, _ := gm["options"].([]any)
			for j, o := range gopts {
				c.option(o, fmt.Sprintf("%s/options/%d", gp, j), true)
			}
		}
	case "checkboxes", "radio_buttons", "overflow":
		opts, ok := e["options"].([]any)
		if !ok || len(opts) == 0 {
			c.errf(ptr, "missing required field: options")
		}
		limit := 10
		if typ == "overflow" {
			limit = 5
		}
		if len(opts) > limit {
			c.errf(ptr+"/options", "no more than %d items allowed", limit)
		}
		for i, o := range opts {
			c.option(o, fmt.Sprintf("%s/options/%d", ptr, i), typ == "overflow")
		}
	case "datepicker":
		if d, ok := e["initial_date"].(string); ok && !dateRe.MatchString(d) {
			c.errf(ptr+"/initial_date", "must be a date in the format YYYY-MM-DD")
		}
	case "timepicker":
		if t, ok := e["initial_time"].(string); ok && !timeRe.MatchString(t) {
			c.errf(ptr+"/initial_time", "must be a time in the format HH:mm")
		}
	case "number_input":
		if _, ok := e["is_decimal_allowed"].(bool); !ok {
			c.errf(ptr, "missing required field: is_decimal_allowed")
		}
	case "image":
		c.image(e, ptr)
	}
}

func (c *mapChecker) option(raw any, ptr string, plainOnly bool) {
	o, ok := raw.(map[string]any)
	if !ok {
		c.errf(ptr, "must be an option object")
		return
	}
	if t, ok := o["text"]; ok {
		c.text(t, ptr+"/text", plainOnly, 75)
	} else {
		c.errf(ptr, "missing required field: text")
	}
	c.str(o, "value", ptr, 150, true)
	c.optionalText(o, "description", ptr, plainOnly, 75)
}

func (c *mapChecker) intRange(obj map[string]any, key, ptr string, lo, hi int) {
	raw, ok := obj[key]
	if !ok {
		return
	}
	f, ok := raw.(float64)
	if !ok || f != float64(int(f)) || int(f) < lo || int(f) > hi {
		c.errf(ptr+"/"+key, "must be an integer from %d to %d", lo, hi)
	}
}
