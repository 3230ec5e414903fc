package fakeslack

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The fake decodes every view and block list an app sends into generic
// maps to validate it. encoding/json does that by reflection at a few tens
// of MB/s, which under a burst made the fake, not the app, the bottleneck.
// jsonDecoder is a one-pass decoder for exactly that case: it yields what
// json.Unmarshal yields into an any (map[string]any, []any, string,
// float64, bool, nil; strings unescaped and invalid UTF-8 replaced as
// encoding/json does) and gives up — the caller then asks encoding/json, so
// results and error messages stay encoding/json's — on invalid JSON,
// numbers out of float64 range and nesting deeper than encoding/json
// allows.

// commonStrings holds the Block Kit field names and type names that make
// up most strings of a view, already boxed in an any: the decoder returns
// these instead of allocating a string (and its box) for each occurrence.
var commonStrings = func() map[string]any {
	m := map[string]any{}
	for _, s := range strings.Fields(`
		type text emoji verbatim block_id action_id label element elements optional hint placeholder
		options option_groups value url style confirm accessory fields image_url alt_text slack_file
		initial_value initial_option initial_options initial_date initial_time initial_date_time
		initial_user initial_users initial_conversation initial_conversations initial_channel initial_channels
		max_length min_length multiline is_decimal_allowed min_value max_value max_selected_items
		dispatch_action dispatch_action_config focus_on_load description title submit close blocks
		callback_id private_metadata external_id clear_on_close notify_on_close submit_disabled
		default_to_current_conversation response_url_enabled filter timezone
		plain_text mrkdwn modal home input section header divider context actions image markdown rich_text
		button static_select multi_static_select external_select multi_external_select checkboxes
		radio_buttons overflow plain_text_input number_input email_text_input url_text_input
		datepicker timepicker datetimepicker users_select multi_users_select conversations_select
		multi_conversations_select channels_select multi_channels_select rich_text_input file_input
		rich_text_section text primary danger
		envelope_id payload`) {
		m[s] = s
	}
	return m
}()

// maxJSONDepth is encoding/json's nesting limit.
const maxJSONDepth = 10000

type jsonDecoder struct {
	data  []byte
	pos   int
	depth int
	ok    bool
}

// decodeJSONFast decodes data as json.Unmarshal into an any would; ok is
// false when it left the input to encoding/json.
func decodeJSONFast(data []byte) (v any, ok bool) {
	d := jsonDecoder{data: data, ok: true}
	v = d.value()
	d.space()
	if !d.ok || d.pos != len(data) {
		return nil, false
	}
	return v, true
}

// decodeObject decodes a JSON object into m as json.Unmarshal does; it
// returns the error encoding/json reports for invalid input.
func decodeObject(data []byte) (map[string]any, error) {
	if v, ok := decodeJSONFast(data); ok {
		if m, isObj := v.(map[string]any); isObj {
			return m, nil
		}
	}
	var m map[string]any
	err := json.Unmarshal(data, &m)
	return m, err
}

// decodeArray decodes a JSON array into a []any as json.Unmarshal does; it
// returns the error encoding/json reports for invalid input.
func decodeArray(data []byte) ([]any, error) {
	if v, ok := decodeJSONFast(data); ok {
		if a, isArr := v.([]any); isArr {
			return a, nil
		}
	}
	var a []any
	err := json.Unmarshal(data, &a)
	return a, err
}

// jsonMember is one member of a JSON object as scanMembers reads it.
type jsonMember struct {
	key   string
	raw   []byte // the value's JSON text, a sub-slice of the input
	str   string // the value decoded, when it is a string
	isStr bool
	text  string // raw as a string, when the reader has it (else "")
}

// scanMembers reads the members of a JSON object, in order, without
// building its nested values: a string value is decoded as encoding/json
// decodes it, any other value only checked and kept as its JSON text. It
// accepts only objects json.Unmarshal into a map[string]json.RawMessage
// accepts; ok is false when it left the input to encoding/json.
func scanMembers(data []byte) (members []jsonMember, ok bool) {
	return scanMembersKnown(data, nil)
}

// knownValue says how long the JSON value at the start of rest, the value
// of member key, is when it is text known to be a JSON value nested at
// most maxJSONDepth-1 deep (one the fake validated before), else 0.
type knownValue func(key string, rest []byte) int

// scanMembersKnown is scanMembers, taking the values known (when not nil)
// vouches for without checking them again.
func scanMembersKnown(data []byte, known knownValue) (members []jsonMember, ok bool) {
	d := jsonDecoder{data: data, ok: true}
	d.space()
	if d.pos >= len(data) || data[d.pos] != '{' {
		return nil, false
	}
	d.pos++
	members = make([]jsonMember, 0, 8)
	d.members(func(key string) {
		d.space()
		start := d.pos
		m := jsonMember{key: key}
		switch {
		case d.pos < len(data) && data[d.pos] == '"':
			m.str, m.isStr = d.str(), true
		case known != nil:
			if n := known(key, data[d.pos:]); n > 0 {
				d.pos += n
				break
			}
			d.skip()
		default:
			d.skip()
		}
		m.raw = data[start:d.pos:d.pos]
		members = append(members, m)
	})
	d.space()
	if !d.ok || d.pos != len(data) {
		return nil, false
	}
	return members, true
}

// skip checks a value without decoding it, leaving pos after it.
func (d *jsonDecoder) skip() {
	d.space()
	if d.pos >= len(d.data) {
		d.fail()
		return
	}
	switch c := d.data[d.pos]; {
	case c == '{' || c == '[':
		if d.depth++; d.depth > maxJSONDepth {
			d.fail()
			return
		}
		d.pos++
		closing := byte(']')
		if c == '{' {
			closing = '}'
		}
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == closing {
			d.pos++
			d.depth--
			return
		}
		for d.ok {
			if c == '{' {
				d.space()
				if d.pos >= len(d.data) || d.data[d.pos] != '"' {
					d.fail()
					return
				}
				d.skipStr()
				d.space()
				if d.pos >= len(d.data) || d.data[d.pos] != ':' {
					d.fail()
					return
				}
				d.pos++
			}
			d.skip()
			d.space()
			if d.pos >= len(d.data) {
				d.fail()
				return
			}
			next := d.data[d.pos]
			d.pos++
			if next == closing {
				break
			}
			if next != ',' {
				d.fail()
			}
		}
		d.depth--
	case c == '"':
		d.skipStr()
	case c == 't':
		d.literal("true", nil)
	case c == 'f':
		d.literal("false", nil)
	case c == 'n':
		d.literal("null", nil)
	case c == '-' || c >= '0' && c <= '9':
		if end := numberEnd(d.data, d.pos); end < 0 {
			d.fail()
		} else {
			d.pos = end
		}
	default:
		d.fail()
	}
}

// skipByte marks the bytes skipStr passes over: all but the quote, the
// backslash and control characters.
var skipByte = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// skipStr checks a string as encoding/json's scanner does (escapes valid,
// no control characters; other bytes, even invalid UTF-8, pass).
func (d *jsonDecoder) skipStr() {
	for i := d.pos + 1; i < len(d.data); {
		for i < len(d.data) && skipByte[d.data[i]] {
			i++
		}
		if i >= len(d.data) {
			break
		}
		switch c := d.data[i]; {
		case c == '"':
			d.pos = i + 1
			return
		case c == '\\':
			if i+1 >= len(d.data) {
				d.fail()
				return
			}
			switch d.data[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if getu4(d.data[i:]) < 0 {
					d.fail()
					return
				}
				i += 6
			default:
				d.fail()
				return
			}
		case c < 0x20:
			d.fail()
			return
		default:
			i++
		}
	}
	d.fail()
}

func (d *jsonDecoder) fail() { d.ok = false; d.pos = len(d.data) }

func (d *jsonDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value() any {
	d.space()
	if d.pos >= len(d.data) {
		d.fail()
		return nil
	}
	switch c := d.data[d.pos]; {
	case c == '{':
		if d.depth++; d.depth > maxJSONDepth {
			d.fail()
			return nil
		}
		d.pos++
		m := map[string]any{}
		d.members(func(key string) { m[key] = d.value() })
		d.depth--
		return m
	case c == '[':
		if d.depth++; d.depth > maxJSONDepth {
			d.fail()
			return nil
		}
		d.pos++
		a := []any{}
		d.space()
		if d.pos < len(d.data) && d.data[d.pos] == ']' {
			d.pos++
			d.depth--
			return a
		}
		for d.ok {
			a = append(a, d.value())
			d.space()
			if d.pos >= len(d.data) {
				d.fail()
				break
			}
			c := d.data[d.pos]
			d.pos++
			if c == ']' {
				break
			}
			if c != ',' {
				d.fail()
			}
		}
		d.depth--
		return a
	case c == '"':
		return d.strValue()
	case c == 't':
		return d.literal("true", true)
	case c == 'f':
		return d.literal("false", false)
	case c == 'n':
		return d.literal("null", nil)
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	d.fail()
	return nil
}

// members reads the members of an object whose '{' was read, calling
// member for each key with the position at the value.
func (d *jsonDecoder) members(member func(key string)) {
	d.space()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		d.pos++
		return
	}
	for d.ok {
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			d.fail()
			return
		}
		key := d.str()
		d.space()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			d.fail()
			return
		}
		d.pos++
		member(key)
		d.space()
		if d.pos >= len(d.data) {
			d.fail()
			return
		}
		c := d.data[d.pos]
		d.pos++
		if c == '}' {
			return
		}
		if c != ',' {
			d.fail()
		}
	}
}

func (d *jsonDecoder) literal(word string, v any) any {
	if len(d.data)-d.pos < len(word) || string(d.data[d.pos:d.pos+len(word)]) != word {
		d.fail()
		return nil
	}
	d.pos += len(word)
	return v
}

// strValue reads a string as a value, boxed.
func (d *jsonDecoder) strValue() any {
	if v, ok := d.common(); ok {
		return v
	}
	return d.str()
}

// common reads a string without escapes that is in commonStrings.
func (d *jsonDecoder) common() (any, bool) {
	start := d.pos + 1
	end := bytes.IndexByte(d.data[start:], '"')
	if end < 0 || end > 40 {
		return nil, false
	}
	v, ok := commonStrings[string(d.data[start:start+end])] // no allocation
	if ok {
		d.pos = start + end + 1
	}
	return v, ok
}

// str reads a string, decoded as encoding/json decodes it.
func (d *jsonDecoder) str() string {
	if v, ok := d.common(); ok {
		return v.(string)
	}
	start := d.pos + 1
	i := start
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return string(d.data[start:i])
		case c == '\\':
			return d.escapedStr(start, i)
		case c < 0x20:
			d.fail()
			return ""
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRune(d.data[i:])
			if r == utf8.RuneError && size == 1 {
				return d.escapedStr(start, i)
			}
			i += size
		}
	}
	d.fail()
	return ""
}

// escapedStr continues str from i, the first byte that is not copied as
// is (a backslash or invalid UTF-8).
func (d *jsonDecoder) escapedStr(start, i int) string {
	buf, end, ok, _ := appendUnescaped(append(make([]byte, 0, i-start+64), d.data[start:i]...), d.data, i)
	if !ok {
		d.fail()
		return ""
	}
	d.pos = end
	return string(buf)
}

// number reads a number with JSON's grammar, converted as encoding/json
// converts it (strconv.ParseFloat); out of range gives up.
func (d *jsonDecoder) number() any {
	end := numberEnd(d.data, d.pos)
	if end < 0 {
		d.fail()
		return nil
	}
	f, err := strconv.ParseFloat(string(d.data[d.pos:end]), 64)
	if err != nil {
		d.fail()
		return nil
	}
	d.pos = end
	return f
}
