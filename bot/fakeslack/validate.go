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

// checker collects Slack-style validation messages. path is the JSON
// pointer of the value being checked, built as the checker descends
// (enter, leave) and turned into a string only for an error, so a valid
// payload costs no pointer strings.
type checker struct {
	msgs      []string
	blockIDs  []string // the block_ids seen so far
	actionIDs []string // the action_ids seen so far in the current block
	path      []byte
	buf       [96]byte // path's first storage
}

// newChecker returns a checker at the pointer ptr.
func newChecker(ptr string) *checker {
	c := &checker{}
	c.path = append(c.buf[:0], ptr...)
	return c
}

// errf records an error at the value being checked.
func (c *checker) errf(format string, args ...any) { c.errAt("", format, args...) }

// errAt records an error at the member sub ("a" or "a/b") of the value
// being checked ("" for the value itself).
func (c *checker) errAt(sub, format string, args ...any) {
	ptr := string(c.path)
	if sub != "" {
		ptr += "/" + sub
	}
	c.msgs = append(c.msgs, fmt.Sprintf("[ERROR] %s [json-pointer:%s]", fmt.Sprintf(format, args...), ptr))
}

// enter descends to member key; leave(mark) goes back.
func (c *checker) enter(key string) (mark int) {
	mark = len(c.path)
	c.path = append(append(c.path, '/'), key...)
	return mark
}

// enterIndex descends to element i of an array; leave(mark) goes back.
func (c *checker) enterIndex(i int) (mark int) {
	mark = len(c.path)
	c.path = strconv.AppendInt(append(c.path, '/'), int64(i), 10)
	return mark
}

func (c *checker) leave(mark int) { c.path = c.path[:mark] }

func runeLen(s string) int { return utf8.RuneCountInString(s) }

// longer reports whether s has more than maxLen characters (runes).
func longer(s string, maxLen int) bool { return len(s) > maxLen && runeLen(s) > maxLen }

// str checks an optional string field's length; it returns the value.
func (c *checker) str(obj jv, key string, maxLen int, required bool) string {
	raw, _ := obj.get(key)
	if raw.isNull() {
		if required {
			c.errf("missing required field: %s", key)
		}
		return ""
	}
	s, ok := raw.str()
	if !ok {
		c.errAt(key, "must be a string")
		return ""
	}
	if maxLen > 0 && longer(s, maxLen) {
		c.errAt(key, "must be less than %d characters", maxLen+1)
	}
	return s
}

// text checks a text object. plainOnly demands plain_text.
func (c *checker) text(t jv, plainOnly bool, maxLen int) {
	if !t.isObj() {
		c.errf("must be a text object")
		return
	}
	typ, _ := t.get("type")
	switch {
	case typ.strIs("plain_text"):
		if _, ok := t.get("verbatim"); ok {
			c.errAt("verbatim", "verbatim is only allowed on mrkdwn text objects")
		}
	case typ.strIs("mrkdwn"):
		if plainOnly {
			c.errAt("type", "must be plain_text")
			return
		}
		if _, ok := t.get("emoji"); ok {
			c.errAt("emoji", "emoji is not allowed on mrkdwn text objects")
		}
	default:
		c.errAt("type", "must be a valid enum value: plain_text or mrkdwn")
		return
	}
	tv, _ := t.get("text")
	s, isStr := tv.str()
	switch {
	case !isStr:
		c.errf("missing required field: text")
	case s == "":
		c.errAt("text", "must be more than 0 characters")
	case maxLen > 0 && longer(s, maxLen):
		c.errAt("text", "must be less than %d characters", maxLen+1)
	}
}

// textAt checks the text object t at member key.
func (c *checker) textAt(t jv, key string, plainOnly bool, maxLen int) {
	mark := c.enter(key)
	c.text(t, plainOnly, maxLen)
	c.leave(mark)
}

func (c *checker) optionalText(obj jv, key string, plainOnly bool, maxLen int) {
	if raw, _ := obj.get(key); !raw.isNull() {
		c.textAt(raw, key, plainOnly, maxLen)
	}
}

// checkView checks a modal or Home tab view.
func checkView(v jv, size int, surface, ptr string) []string {
	c := newChecker(ptr)
	if typ, _ := v.get("type"); !typ.strIs(surface) {
		c.errAt("type", "must be %q", surface)
	}
	if size > maxViewBytes {
		c.errf("view must be smaller than %d bytes", maxViewBytes)
	}
	c.str(v, "private_metadata", 3000, false)
	c.str(v, "callback_id", 255, false)
	c.str(v, "external_id", 255, false)
	maxBlocks := MaxHomeBlocks
	if surface == surfaceModal {
		maxBlocks = MaxModalBlocks
		if t, _ := v.get("title"); !t.isNull() {
			c.textAt(t, "title", true, 24)
		} else {
			c.errf("missing required field: title")
		}
		c.optionalText(v, "submit", true, 24)
		c.optionalText(v, "close", true, 24)
	}
	blocks, _ := v.get("blocks")
	n, ok := blocks.arr()
	if !ok {
		c.errf("missing required field: blocks")
		return c.msgs
	}
	mark := c.enter("blocks")
	c.blocks(blocks, maxBlocks, surface)
	c.leave(mark)
	if surface == surfaceModal {
		hasInput := false
		for i := range n {
			if typ, _ := blocks.at(i).get("type"); typ.strIs("input") {
				hasInput = true
			}
		}
		if sub, _ := v.get("submit"); hasInput && sub.isNull() {
			c.errf("missing required field: submit (a view with input blocks needs a submit button)")
		}
	}
	return c.msgs
}

// checkBlocks checks a message's blocks (an array).
func checkBlocks(blocks jv, ptr, surface string) []string {
	c := newChecker(ptr)
	c.blocks(blocks, MaxMessageBlocks, surface)
	return c.msgs
}

func (c *checker) blocks(blocks jv, maxBlocks int, surface string) {
	n, _ := blocks.arr()
	if n > maxBlocks {
		c.errf("no more than %d items allowed", maxBlocks)
	}
	for i := range n {
		mark := c.enterIndex(i)
		c.block(blocks.at(i), surface)
		c.leave(mark)
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

func (c *checker) block(b jv, surface string) {
	if !b.isObj() {
		c.errf("must be an object")
		return
	}
	tv, _ := b.get("type")
	typ, _ := tv.str()
	if !knownBlocks[typ] {
		c.errAt("type", "unsupported type: %q", typ)
		return
	}
	if id := c.str(b, "block_id", 255, false); id != "" {
		if slices.Contains(c.blockIDs, id) {
			c.errAt("block_id", "duplicate block_id %q", id)
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
			c.errf("must provide either text or fields")
		}
		if hasText {
			c.textAt(text, "text", false, 3000)
		}
		if hasFields {
			if nFields > 10 {
				c.errAt("fields", "no more than 10 items allowed")
			}
			mark := c.enter("fields")
			for i := range nFields {
				m := c.enterIndex(i)
				c.text(fv.at(i), false, 2000)
				c.leave(m)
			}
			c.leave(mark)
		}
		if acc, ok := b.get("accessory"); ok {
			mark := c.enter("accessory")
			c.element(acc, accessoryElements)
			c.leave(mark)
		}
	case "header":
		if t, ok := b.get("text"); ok {
			c.textAt(t, "text", true, 150)
		} else {
			c.errf("missing required field: text")
		}
	case "context":
		els, _ := b.get("elements")
		n, ok := els.arr()
		if !ok || n == 0 {
			c.errf("missing required field: elements")
			break
		}
		if n > 10 {
			c.errAt("elements", "no more than 10 items allowed")
		}
		mark := c.enter("elements")
		for i := range n {
			m := c.enterIndex(i)
			e := els.at(i)
			if typ, _ := e.get("type"); e.isObj() && typ.strIs("image") {
				c.image(e)
			} else {
				c.text(e, false, 3000)
			}
			c.leave(m)
		}
		c.leave(mark)
	case "actions":
		els, _ := b.get("elements")
		n, ok := els.arr()
		if !ok || n == 0 {
			c.errf("missing required field: elements")
			break
		}
		if n > 25 {
			c.errAt("elements", "no more than 25 items allowed")
		}
		mark := c.enter("elements")
		for i := range n {
			m := c.enterIndex(i)
			c.element(els.at(i), actionsElements)
			c.leave(m)
		}
		c.leave(mark)
	case "input":
		if l, ok := b.get("label"); ok {
			c.textAt(l, "label", true, 2000)
		} else {
			c.errf("missing required field: label")
		}
		e, hasElement := b.get("element")
		if hasElement {
			mark := c.enter("element")
			c.element(e, inputElements)
			c.leave(mark)
		} else {
			c.errf("missing required field: element")
		}
		c.optionalText(b, "hint", true, 2000)
		if typ, _ := e.get("type"); typ.strIs("file_input") && surface != surfaceModal {
			c.errAt("element/type", "file_input is only allowed in modals")
		}
	case "image":
		c.image(b)
		c.optionalText(b, "title", true, 2000)
	case "markdown":
		c.str(b, "text", 12000, true)
	}
}

func (c *checker) image(m jv) {
	_, url := m.get("image_url")
	_, file := m.get("slack_file")
	if !url && !file {
		c.errf("missing required field: image_url or slack_file")
	}
	c.str(m, "image_url", 3000, false)
	c.str(m, "alt_text", 2000, true)
}

func (c *checker) element(e jv, allowed map[string]bool) {
	if !e.isObj() {
		c.errf("must be an object")
		return
	}
	tv, _ := e.get("type")
	typ, _ := tv.str()
	if !allowed[typ] {
		c.errAt("type", "unsupported type: %q", typ)
		return
	}
	if id := c.str(e, "action_id", 255, false); id != "" {
		if slices.Contains(c.actionIDs, id) {
			c.errAt("action_id", "duplicate action_id %q", id)
		} else {
			c.actionIDs = append(c.actionIDs, id)
		}
	}
	c.optionalText(e, "placeholder", true, 150)
	switch typ {
	case "button":
		if t, ok := e.get("text"); ok {
			c.textAt(t, "text", true, 75)
		} else {
			c.errf("missing required field: text")
		}
		c.str(e, "value", 2000, false)
		c.str(e, "url", 3000, false)
		if st, ok := e.get("style"); ok && !st.strIs("primary") && !st.strIs("danger") {
			c.errAt("style", "must be a valid enum value: primary or danger")
		}
	case "plain_text_input":
		c.intRange(e, "max_length", 1, 3000)
		c.intRange(e, "min_length", 0, 3000)
		c.str(e, "initial_value", 3000, false)
	case "static_select", "multi_static_select":
		opts, _ := e.get("options")
		nOpts, hasOpts := opts.arr()
		groups, _ := e.get("option_groups")
		nGroups, hasGroups := groups.arr()
		if !hasOpts && !hasGroups {
			c.errf("missing required field: options or option_groups")
		}
		if nOpts > 100 {
			c.errAt("options", "no more than 100 items allowed")
		}
		c.options(opts, "options", nOpts, true)
		mark := c.enter("option_groups")
		for i := range nGroups {
			m := c.enterIndex(i)
			if g := groups.at(i); !g.isObj() {
				c.errf("must be an object")
			} else {
				c.optionalText(g, "label", true, 75)
				gopts, _ := g.get("options")
				n, _ := gopts.arr()
				c.options(gopts, "options", n, true)
			}
			c.leave(m)
		}
		c.leave(mark)
	case "checkboxes", "radio_buttons", "overflow":
		opts, _ := e.get("options")
		n, ok := opts.arr()
		if !ok || n == 0 {
			c.errf("missing required field: options")
		}
		limit := 10
		if typ == "overflow" {
			limit = 5
		}
		if n > limit {
			c.errAt("options", "no more than %d items allowed", limit)
		}
		c.options(opts, "options", n, typ == "overflow")
	case "datepicker":
		dv, _ := e.get("initial_date")
		if d, ok := dv.str(); ok && !dateRe.MatchString(d) {
			c.errAt("initial_date", "must be a date in the format YYYY-MM-DD")
		}
	case "timepicker":
		tv, _ := e.get("initial_time")
		if t, ok := tv.str(); ok && !timeRe.MatchString(t) {
			c.errAt("initial_time", "must be a time in the format HH:mm")
		}
	case "number_input":
		if d, _ := e.get("is_decimal_allowed"); !d.isBool() {
			c.errf("missing required field: is_decimal_allowed")
		}
	case "image":
		c.image(e)
	}
}

// options checks the first n options of the array opts at member key.
func (c *checker) options(opts jv, key string, n int, plainOnly bool) {
	if n == 0 {
		return
	}
	mark := c.enter(key)
	for i := range n {
		m := c.enterIndex(i)
		c.option(opts.at(i), plainOnly)
		c.leave(m)
	}
	c.leave(mark)
}

func (c *checker) option(o jv, plainOnly bool) {
	if !o.isObj() {
		c.errf("must be an option object")
		return
	}
	if t, ok := o.get("text"); ok {
		c.textAt(t, "text", plainOnly, 75)
	} else {
		c.errf("missing required field: text")
	}
	c.str(o, "value", 150, true)
	c.optionalText(o, "description", plainOnly, 75)
}

func (c *checker) intRange(obj jv, key string, lo, hi int) {
	raw, ok := obj.get(key)
	if !ok {
		return
	}
	f, ok := raw.num()
	if !ok || f != float64(int(f)) || int(f) < lo || int(f) > hi {
		c.errAt(key, "must be an integer from %d to %d", lo, hi)
	}
}

// drawnID is an id normalizeBlocks drew: the block_id of blocks[block]
// (elem < 0), or the action_id of its element elem (see elementAt).
type drawnID struct{ block, elem int }

// normalizeBlocks gives every block a block_id and every interactive
// element an action_id, as Slack does when it stores a view or message. It
// returns the (random) ids it drew, in order.
func normalizeBlocks(blocks []any) (drawn []drawnID) {
	for i, raw := range blocks {
		b, ok := raw.(map[string]any)
		if !ok {
			continue
		}
		if id, _ := b["block_id"].(string); id == "" {
			b["block_id"] = randomString(5, alnum)
			drawn = append(drawn, drawnID{i, -1})
		}
		for j := range elementSlots(b) {
			e := elementAt(b, j)
			if e == nil || e["type"] == "image" {
				continue
			}
			if id, _ := e["action_id"].(string); id == "" {
				e["action_id"] = randomActionID()
				drawn = append(drawn, drawnID{i, j})
			}
		}
	}
	return drawn
}

// elementSlots is how many places a block has for interactive elements:
// the length of an actions block's elements, one for a section's
// accessory or an input's element.
func elementSlots(b map[string]any) int {
	switch b["type"] {
	case "actions":
		els, _ := b["elements"].([]any)
		return len(els)
	case "section", "input":
		return 1
	}
	return 0
}

// elementAt returns the element in slot j of a block (see elementSlots),
// or nil when it holds no object: blockElements lists the others.
func elementAt(b map[string]any, j int) map[string]any {
	var e any
	switch b["type"] {
	case "actions":
		els, _ := b["elements"].([]any)
		e = els[j]
	case "section":
		e = b["accessory"]
	case "input":
		e = b["element"]
	}
	m, _ := e.(map[string]any)
	return m
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
