package fakeslack

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"unicode/utf8"
)

// Surfaces a block list is shown on.
const (
	surfaceModal   = "modal"
	surfaceHome    = "home"
	surfaceMessage = "message"
)

// Slack's documented limits, checked in code (the JSON schema, when
// present, checks more).
const (
	MaxModalBlocks   = 100
	MaxHomeBlocks    = 100
	MaxMessageBlocks = 50
	maxViewBytes     = 250_000
)

var (
	dateRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	timeRe = regexp.MustCompile(`^\d{2}:\d{2}$`)
)

// checker collects Slack-style validation messages.
type checker struct {
	msgs      []string
	blockIDs  []string // the block_ids seen so far
	actionIDs []string // the action_ids seen so far in the current block
}

func (c *checker) errf(ptr, format string, args ...any) {
	c.msgs = append(c.msgs, fmt.Sprintf("[ERROR] %s [json-pointer:%s]", fmt.Sprintf(format, args...), ptr))
}

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// longer reports whether s has more than maxLen characters (runes).
func longer(s string, maxLen int) bool { return len(s) > maxLen && runeLen(s) > maxLen }

// str checks an optional string field's length; it returns the value.
func (c *checker) str(obj jv, key, ptr string, maxLen int, required bool) string {
	raw, _ := obj.get(key)
	if raw.isNull() {
		if required {
			c.errf(ptr, "missing required field: %s", key)
		}
		return ""
	}
	s, ok := raw.str()
	if !ok {
		c.errf(ptr+"/"+key, "must be a string")
		return ""
	}
	if maxLen > 0 && longer(s, maxLen) {
		c.errf(ptr+"/"+key, "must be less than %d characters", maxLen+1)
	}
	return s
}

// text checks a text object. plainOnly demands plain_text.
func (c *checker) text(t jv, ptr string, plainOnly bool, maxLen int) {
	if !t.isObj() {
		c.errf(ptr, "must be a text object")
		return
	}
	typ, _ := t.get("type")
	switch {
	case typ.strIs("plain_text"):
		if _, ok := t.get("verbatim"); ok {
			c.errf(ptr+"/verbatim", "verbatim is only allowed on mrkdwn text objects")
		}
	case typ.strIs("mrkdwn"):
		if plainOnly {
			c.errf(ptr+"/type", "must be plain_text")
			return
		}
		if _, ok := t.get("emoji"); ok {
			c.errf(ptr+"/emoji", "emoji is not allowed on mrkdwn text objects")
		}
	default:
		c.errf(ptr+"/type", "must be a valid enum value: plain_text or mrkdwn")
		return
	}
	tv, _ := t.get("text")
	s, isStr := tv.str()
	switch {
	case !isStr:
		c.errf(ptr, "missing required field: text")
	case s == "":
		c.errf(ptr+"/text", "must be more than 0 characters")
	case maxLen > 0 && longer(s, maxLen):
		c.errf(ptr+"/text", "must be less than %d characters", maxLen+1)
	}
}

func (c *checker) optionalText(obj jv, key, ptr string, plainOnly bool, maxLen int) {
	if raw, _ := obj.get(key); !raw.isNull() {
		c.text(raw, ptr+"/"+key, plainOnly, maxLen)
	}
}

// checkView checks a modal or Home tab view.
func checkView(v jv, size int, surface, ptr string) []string {
	c := &checker{}
	if typ, _ := v.get("type"); !typ.strIs(surface) {
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
		if t, _ := v.get("title"); !t.isNull() {
			c.text(t, ptr+"/title", true, 24)
		} else {
			c.errf(ptr, "missing required field: title")
		}
		c.optionalText(v, "submit", ptr, true, 24)
		c.optionalText(v, "close", ptr, true, 24)
	}
	blocks, _ := v.get("blocks")
	n, ok := blocks.arr()
	if !ok {
		c.errf(ptr, "missing required field: blocks")
		return c.msgs
	}
	c.blocks(blocks, ptr+"/blocks", maxBlocks, surface)
	if surface == surfaceModal {
		hasInput := false
		for i := range n {
			if typ, _ := blocks.at(i).get("type"); typ.strIs("input") {
				hasInput = true
			}
		}
		if sub, _ := v.get("submit"); hasInput && sub.isNull() {
			c.errf(ptr, "missing required field: submit (a view with input blocks needs a submit button)")
		}
	}
	return c.msgs
}

// checkBlocks checks a message's blocks (an array).
func checkBlocks(blocks jv, ptr, surface string) []string {
	c := &checker{}
	c.blocks(blocks, ptr, MaxMessageBlocks, surface)
	return c.msgs
}

func (c *checker) blocks(blocks jv, ptr string, maxBlocks int, surface string) {
	n, _ := blocks.arr()
	if n > maxBlocks {
		c.errf(ptr, "no more than %d items allowed", maxBlocks)
	}
	for i := range n {
		c.block(blocks.at(i), ptr+"/"+strconv.Itoa(i), surface)
	}
}

var inputElements = map[string]bool{
	"plain_text_input": true, "email_text_input": true, "url_text_input": true, "number_input": true,
	"checkboxes": true, "radio_buttons": true, "datepicker": true, "datetimepicker": true, "timepicker": true,
	"static_select": true, "external_select": true, "users_select": true, "conversations_select": true, "channels_select": true,
	"multi_static_select": true, "multi_external_select": true, "multi_users_select": true, "multi_conversations_select": true,
	"multi_channels_select": true, "rich_text_input": true, "file_input": true,
}

var actionsElements = map[string]bool{
	"button": true, "checkboxes": true, "datepicker": true, "datetimepicker": true, "timepicker": true, "overflow": true,
	"radio_buttons": true, "static_select": true, "external_select": true, "users_select": true, "conversations_select": true,
	"channels_select": true, "multi_static_select": true, "multi_external_select": true, "multi_users_select": true,
	"multi_conversations_select": true, "multi_channels_select": true, "workflow_button": true, "rich_text_input": true,
	"feedback_buttons": true, "icon_button": true,
}

var accessoryElements = map[string]bool{
	"button": true, "checkboxes": true, "datepicker": true, "image": true, "overflow": true, "radio_buttons": true,
	"static_select": true, "external_select": true, "users_select": true, "conversations_select": true, "channels_select": true,
	"multi_static_select": true, "multi_external_select": true, "multi_users_select": true, "multi_conversations_select": true,
	"multi_channels_select": true, "timepicker": true, "workflow_button": true,
}

var knownBlocks = map[string]bool{
	"actions": true, "context": true, "divider": true, "file": true, "header": true, "image": true, "input": true,
	"markdown": true, "rich_text": true, "section": true, "video": true, "table": true, "context_actions": true,
	"alert": true, "card": true, "carousel": true, "container": true, "data_table": true, "data_visualization": true,
	"plan": true, "task_card": true,
}

func (c *checker) block(b jv, ptr, surface string) {
	if !b.isObj() {
		c.errf(ptr, "must be an object")
		return
	}
	tv, _ := b.get("type")
	typ, _ := tv.str()
	if !knownBlocks[typ] {
		c.errf(ptr+"/type", "unsupported type: %q", typ)
		return
	}
	if id := c.str(b, "block_id", ptr, 255, false); id != "" {
		if slices.Contains(c.blockIDs, id) {
			c.errf(ptr+"/block_id", "duplicate block_id %q", id)
		} else {
			c.blockIDs = append(c.blockIDs, id)
		}
	}
	c.actionIDs = c.actionIDs[:0]
	switch typ {
	case "section":
		text, hasText := b.get("text")
		fv, _ := b.get("fields")
		nFields, hasFields := fv.arr()
		if !hasText && !hasFields {
			c.errf(ptr, "must provide either text or fields")
		}
		if hasText {
			c.text(text, ptr+"/text", false, 3000)
		}
		if hasFields {
			if nFields > 10 {
				c.errf(ptr+"/fields", "no more than 10 items allowed")
			}
			for i := range nFields {
				c.text(fv.at(i), ptr+"/fields/"+strconv.Itoa(i), false, 2000)
			}
		}
		if acc, ok := b.get("accessory"); ok {
			c.element(acc, ptr+"/accessory", accessoryElements)
		}
	case "header":
		if t, ok := b.get("text"); ok {
			c.text(t, ptr+"/text", true, 150)
		} else {
			c.errf(ptr, "missing required field: text")
		}
	case "context":
		els, _ := b.get("elements")
		n, ok := els.arr()
		if !ok || n == 0 {
			c.errf(ptr, "missing required field: elements")
			break
		}
		if n > 10 {
			c.errf(ptr+"/elements", "no more than 10 items allowed")
		}
		for i := range n {
			ep := ptr + "/elements/" + strconv.Itoa(i)
			e := els.at(i)
			if typ, _ := e.get("type"); e.isObj() && typ.strIs("image") {
				c.image(e, ep)
			} else {
				c.text(e, ep, false, 3000)
			}
		}
	case "actions":
		els, _ := b.get("elements")
		n, ok := els.arr()
		if !ok || n == 0 {
			c.errf(ptr, "missing required field: elements")
			break
		}
		if n > 25 {
			c.errf(ptr+"/elements", "no more than 25 items allowed")
		}
		for i := range n {
			c.element(els.at(i), ptr+"/elements/"+strconv.Itoa(i), actionsElements)
		}
	case "input":
		if l, ok := b.get("label"); ok {
			c.text(l, ptr+"/label", true, 2000)
		} else {
			c.errf(ptr, "missing required field: label")
		}
		e, hasElement := b.get("element")
		if hasElement {
			c.element(e, ptr+"/element", inputElements)
		} else {
			c.errf(ptr, "missing required field: element")
		}
		c.optionalText(b, "hint", ptr, true, 2000)
		if typ, _ := e.get("type"); typ.strIs("file_input") && surface != surfaceModal {
			c.errf(ptr+"/element/type", "file_input is only allowed in modals")
		}
	case "image":
		c.image(b, ptr)
		c.optionalText(b, "title", ptr, true, 2000)
	case "markdown":
		c.str(b, "text", ptr, 12000, true)
	}
}

func (c *checker) image(m jv, ptr string) {
	_, url := m.get("image_url")
	_, file := m.get("slack_file")
	if !url && !file {
		c.errf(ptr, "missing required field: image_url or slack_file")
	}
	c.str(m, "image_url", ptr, 3000, false)
	c.str(m, "alt_text", ptr, 2000, true)
}

func (c *checker) element(e jv, ptr string, allowed map[string]bool) {
	if !e.isObj() {
		c.errf(ptr, "must be an object")
		return
	}
	tv, _ := e.get("type")
	typ, _ := tv.str()
	if !allowed[typ] {
		c.errf(ptr+"/type", "unsupported type: %q", typ)
		return
	}
	if id := c.str(e, "action_id", ptr, 255, false); id != "" {
		if slices.Contains(c.actionIDs, id) {
			c.errf(ptr+"/action_id", "duplicate action_id %q", id)
		} else {
			c.actionIDs = append(c.actionIDs, id)
		}
	}
	c.optionalText(e, "placeholder", ptr, true, 150)
	switch typ {
	case "button":
		if t, ok := e.get("text"); ok {
			c.text(t, ptr+"/text", true, 75)
		} else {
			c.errf(ptr, "missing required field: text")
		}
		c.str(e, "value", ptr, 2000, false)
		c.str(e, "url", ptr, 3000, false)
		if st, ok := e.get("style"); ok && !st.strIs("primary") && !st.strIs("danger") {
			c.errf(ptr+"/style", "must be a valid enum value: primary or danger")
		}
	case "plain_text_input":
		c.intRange(e, "max_length", ptr, 1, 3000)
		c.intRange(e, "min_length", ptr, 0, 3000)
		c.str(e, "initial_value", ptr, 3000, false)
	case "static_select", "multi_static_select":
		opts, _ := e.get("options")
		nOpts, hasOpts := opts.arr()
		groups, _ := e.get("option_groups")
		nGroups, hasGroups := groups.arr()
		if !hasOpts && !hasGroups {
			c.errf(ptr, "missing required field: options or option_groups")
		}
		if nOpts > 100 {
			c.errf(ptr+"/options", "no more than 100 items allowed")
		}
		for i := range nOpts {
			c.option(opts.at(i), ptr+"/options/"+strconv.Itoa(i), true)
		}
		for i := range nGroups {
			gp := ptr + "/option_groups/" + strconv.Itoa(i)
			g := groups.at(i)
			if !g.isObj() {
				c.errf(gp, "must be an object")
				continue
			}
			c.optionalText(g, "label", gp, true, 75)
			gopts, _ := g.get("options")
			n, _ := gopts.arr()
			for j := range n {
				c.option(gopts.at(j), gp+"/options/"+strconv.Itoa(j), true)
			}
		}
	case "checkboxes", "radio_buttons", "overflow":
		opts, _ := e.get("options")
		n, ok := opts.arr()
		if !ok || n == 0 {
			c.errf(ptr, "missing required field: options")
		}
		limit := 10
		if typ == "overflow" {
			limit = 5
		}
		if n > limit {
			c.errf(ptr+"/options", "no more than %d items allowed", limit)
		}
		for i := range n {
			c.option(opts.at(i), ptr+"/options/"+strconv.Itoa(i), typ == "overflow")
		}
	case "datepicker":
		dv, _ := e.get("initial_date")
		if d, ok := dv.str(); ok && !dateRe.MatchString(d) {
			c.errf(ptr+"/initial_date", "must be a date in the format YYYY-MM-DD")
		}
	case "timepicker":
		tv, _ := e.get("initial_time")
		if t, ok := tv.str(); ok && !timeRe.MatchString(t) {
			c.errf(ptr+"/initial_time", "must be a time in the format HH:mm")
		}
	case "number_input":
		if d, _ := e.get("is_decimal_allowed"); !d.isBool() {
			c.errf(ptr, "missing required field: is_decimal_allowed")
		}
	case "image":
		c.image(e, ptr)
	}
}

func (c *checker) option(o jv, ptr string, plainOnly bool) {
	if !o.isObj() {
		c.errf(ptr, "must be an option object")
		return
	}
	if t, ok := o.get("text"); ok {
		c.text(t, ptr+"/text", plainOnly, 75)
	} else {
		c.errf(ptr, "missing required field: text")
	}
	c.str(o, "value", ptr, 150, true)
	c.optionalText(o, "description", ptr, plainOnly, 75)
}

func (c *checker) intRange(obj jv, key, ptr string, lo, hi int) {
	raw, ok := obj.get(key)
	if !ok {
		return
	}
	f, ok := raw.num()
	if !ok || f != float64(int(f)) || int(f) < lo || int(f) > hi {
		c.errf(ptr+"/"+key, "must be an integer from %d to %d", lo, hi)
	}
}

// normalizeBlocks gives every block a block_id and every interactive
// element an action_id, as Slack does when it stores a view or message. It
// reports whether it drew any (random) id.
func normalizeBlocks(blocks []any) (drew bool) {
	for _, raw := range blocks {
		b, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		if id, _ := b["block_id"].(string); id == "" {
			b["block_id"] = randomString(5, alnum)
			drew = true
		}
		for _, e := range blockElements(b) {
			if e["type"] == "image" {
				continue
			}
			if id, _ := e["action_id"].(string); id == "" {
				e["action_id"] = randomActionID()
				drew = true
			}
		}
	}
	return drew
}

// blockElements returns a block's interactive elements.
func blockElements(b map[string]any) []map[string]any {
	var out []map[string]any
	switch b["type"] {
	case "actions":
		els, _ := b["elements"].([]any)
		for _, e := range els {
			if m, ok := e.(map[string]any); ok {
				out = append(out, m)
			}
		}
	case "section":
		if m, ok := b["accessory"].(map[string]any); ok {
			out = append(out, m)
		}
	case "input":
		if m, ok := b["element"].(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func randomActionID() string {
	return randomString(3, alnum) + strconv.Itoa(rand.IntN(10))
}

func appendUnique(dst []string, more ...string) []string {
	seen := map[string]bool{}
	for _, m := range dst {
		seen[m] = true
	}
	for _, m := range more {
		if !seen[m] {
			seen[m] = true
			dst = append(dst, m)
		}
	}
	return dst
}
