package bot

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/jobdesc/jobdesc/templates"
)

// wrapView is an interactive frame whose payload's view is view.
func wrapView(view string) string {
	return `{"envelope_id":"e1","type":"interactive","payload":{"type":"view_submission","team":{"id":"T1"},"user":{"id":"U1"},"view":` + view + `}}`
}

// frameCase is a frame decodeFrame must read as encoding/json does. fast
// says the scanner reads it itself (rather than leaving it to
// decodeWholeFrame).
type frameCase struct {
	name  string
	frame string
	fast  bool
}

func frameCases() []frameCase {
	return []frameCase{
		{"submission", `{"envelope_id":"e2","type":"interactive","accepts_response_payload":true,"payload":{"type":"view_submission","team":{"id":"T1","domain":"acme"},"user":{"id":"U1","username":"al","name":"al","team_id":"T1"},"api_app_id":"A1","token":"x","trigger_id":"1.2","view":{"id":"V1","team_id":"T1","type":"modal","blocks":[{"type":"input","block_id":"a","label":{"type":"plain_text","text":"A \"quoted\" \u00e9 label"},"element":{"type":"plain_text_input","action_id":"a","multiline":true,"max_length":3000,"initial_value":"x\ny"}},{"type":"section","text":{"type":"mrkdwn","text":"}]\""}},{"type":"input","block_id":"b","optional":false,"element":{"type":"static_select","options":[{"text":{"type":"plain_text","text":"T","emoji":true},"value":"t"}]}},{"type":"input","block_id":"c"},{"type":"divider"},{"type":"input","block_id":"d"}],"private_metadata":"{\"channel\":\"C1\",\"role\":\"account-manager\"}","callback_id":"draft","state":{"values":{"a":{"a":{"type":"plain_text_input","value":"x\ny \"z\" \ud83d\ude00"}},"b":{"b":{"type":"static_select","selected_option":{"text":{"type":"plain_text","text":"T"},"value":"t"}}},"c":{"c":{"type":"checkboxes","selected_options":[{"value":"1"},{"value":"2"}]}},"d":{"d":{"type":"plain_text_input","value":null}}}},"hash":"1.a","title":{"type":"plain_text","text":"T"},"clear_on_close":false,"notify_on_close":false,"close":null,"submit":{"type":"plain_text","text":"S"},"previous_view_id":null,"root_view_id":"V1","app_id":"A1","external_id":"","app_installed_team_id":"T1","bot_id":"B1"},"response_urls":[],"is_enterprise_install":false,"enterprise":null}}`, true},
		{"state before blocks", `{"type":"interactive","payload":{"view":{"state":{"values":{}},"blocks":[]}},"envelope_id":"e"}`, true},
		{"slash command", `{"envelope_id":"e1","type":"slash_commands","accepts_response_payload":true,"payload":{"token":"x","team_id":"T1","team_domain":"acme","channel_id":"C1","channel_name":"hiring","user_id":"U2","user_name":"alice","command":"/jobdesc","text":"account-manager","api_app_id":"A1","is_enterprise_install":"false","response_url":"http://x/commands/1","trigger_id":"111.222","enterprise_id":"E1","enterprise_name":"Big"}}`, true},
		{"button click", `{"envelope_id":"e3","type":"interactive","payload":{"type":"block_actions","team":{"id":"T1","domain":"d","enterprise_id":null},"user":{"id":"U3","is_bot":false,"deleted":true},"trigger_id":"3.4","container":{"type":"message","message_ts":"17.1","channel_id":"C1","is_ephemeral":false,"is_app_unfurl":true,"view_id":"V","thread_ts":"1"},"channel":{"id":"C1","name":"hiring"},"message":{"ts":"17.1","blocks":[{"type":"divider"}]},"actions":[{"action_id":"draft.edit","block_id":"draft.actions","value":"AM-1","type":"button","action_ts":"1"}]}}`, true},
		{"reaction", `{"envelope_id":"e5","type":"events_api","accepts_response_payload":false,"retry_attempt":1,"retry_reason":"timeout","payload":{"token":"x","team_id":"T1","api_app_id":"A1","type":"event_callback","event_id":"Ev1","event_time":1700000001,"authorizations":[{"enterprise_id":null,"team_id":"T1","user_id":"UBOT","is_bot":true,"is_enterprise_install":false}],"is_ext_shared_channel":false,"event_context":"4-abc","event":{"type":"reaction_added","user":"U3","reaction":"white_check_mark","item_user":"UBOT","item":{"type":"message","channel":"C1","ts":"17.1"},"event_ts":"1700000001.000200"}}}`, true},
		{"hello", `{"type":"hello","num_connections":1,"debug_info":{"host":"applink-1","build_number":10,"approximate_connection_time":18060},"connection_info":{"app_id":"A1"}}`, true},
		{"disconnect", "{\"type\": \"disconnect\",\r\n\t\"reason\": \"refresh_requested\", \"debug_info\": {\"host\": \"h\"}}\n", true},
		{"empty object", `{}`, true},
		{"numbers skipped", `{"type":"x","n":[0,-0,1.5,-2e10,3E+2,4e-1,12345678901234567890,-0.0e0],"payload":{"event_time":-0}}`, true},
		{"deep view", wrapView(`{"blocks":[{"type":"section","x":` + strings.Repeat(`[{"a":`, 30) + `1` + strings.Repeat(`}]`, 30) + `}],"state":{}}`), true},
		{"too deep for the scanner", wrapView(`{"blocks":[{"type":"section","x":` + strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100) + `}]}`), false},

		// Keys in another case: encoding/json matches them to fields.
		{"frame key in capitals", `{"Type":"interactive","envelope_id":"e"}`, false},
		{"payload in capitals", `{"type":"interactive","PAYLOAD":{"type":"block_actions"}}`, false},
		{"view in another case", `{"type":"interactive","payload":{"type":"view_submission","View":{"blocks":[{"type":"input","block_id":"a"}]}}}`, false},
		{"blocks in another case", wrapView(`{"Blocks":[{"type":"input","block_id":"a"}],"blocks":[{"type":"input","block_id":"b"}]}`), false},
		{"blocks with a kelvin sign", wrapView(`{"bloc\u212as":[{"type":"input","block_id":"a"}]}`), false},
		{"state with a long s", wrapView(`{"blocks":[],"\u017ftate":{"values":{"a":{"a":{"value":"x"}}}}}`), false},
		{"block id in capitals", wrapView(`{"blocks":[{"type":"input","Block_Id":"a"}]}`), false},
		{"value in capitals", wrapView(`{"state":{"values":{"a":{"a":{"Value":"x"}}}}}`), false},
		{"team id in capitals", `{"type":"interactive","payload":{"team":{"ID":"T1","id":"T2","icon":{"image_34":"x"}}}}`, true},
		{"user with a profile", `{"type":"interactive","payload":{"user":{"id":"U1","profile":{"real_name":"A"},"tz_offset":3600,"has_2fa":true}}}`, true},
		{"unknown keys", `{"type":"interactive","payload":{"type":"block_actions","unknown":{"Type":"x"},"x_y":[{"View":1}]}}`, true},
		{"key with an escape", `{"typ\u0065":"interactive","payload":{"type":"block_actions"}}`, true},
		{"unknown key with an escape", `{"x\u0041":1,"type":"interactive"}`, false},
		{"map keys with escapes", wrapView(`{"blocks":[{"type":"inp\u0075t","block_id":"\u0061\n"}],"state":{"values":{"\u0061\n":{"b\"":{"value":"v"}}}}}`), true},

		// Keys twice.
		{"type twice", `{"type":"a","type":"interactive","envelope_id":"e","envelope_id":null}`, true},
		{"payload twice", `{"type":"interactive","payload":{"type":"a","team":{"id":"T1"}},"payload":{"team":{"name":"n"},"trigger_id":"t"}}`, true},
		{"view twice", wrapView(`{"id":"V1","hash":"h"},"view":{"id":"V2","blocks":[{"type":"input","block_id":"a"}]}`), true},
		{"blocks twice", wrapView(`{"blocks":[{"type":"input","block_id":"a"}],"blocks":[{"type":"x"}]}`), false},
		{"state twice", wrapView(`{"state":{"values":{"a":{"a":{"value":"x"}}}},"state":null}`), false},
		{"values twice", wrapView(`{"state":{"values":{"a":{"a":{"value":"x"}}},"values":{"b":{"b":{"value":"y"}}}}}`), false},
		{"block twice", wrapView(`{"state":{"values":{"a":{"a":{"value":"x"},"b":{"value":"z"}},"c":{"c":{}},"a":{"a2":{"value":"y"}}}}}`), true},
		{"input block twice", wrapView(`{"blocks":[{"type":"input","block_id":"a"},{"type":"input","block_id":"b"},{"type":"input","block_id":"c"}],"state":{"values":{"b":{"b":{"value":"1"},"c":{"value":"2"}},"a":{"a":{"value":"x"},"a":{"value":"y"},"b":{},"z":null},"c":{"c":{}},"a":{"a2":{"value":"z"}},"b":null,"d":{"d":{"value":"4"}},"d":{"a":{"value":"5"}}}}}`), true},
		{"block twice, then null", wrapView(`{"state":{"values":{"a":{"a":{"value":"x"}},"a":null}}}`), true},
		{"action twice", wrapView(`{"state":{"values":{"a":{"a":{"value":"x","type":"t"},"a":{"value":"y"}}}}}`), true},
		{"value twice", wrapView(`{"state":{"values":{"a":{"a":{"value":"x","value":null,"type":"t","type":"u"}}}}}`), true},
		{"selected option twice", wrapView(`{"state":{"values":{"a":{"a":{"selected_option":{"value":"x"},"selected_option":{}},"b":{"selected_option":{"value":"x"},"selected_option":null},"c":{"selected_option":null,"selected_option":{"value":"y","value":null}}}}}}`), true},
		{"selected options twice", wrapView(`{"state":{"values":{"a":{"a":{"selected_options":[{"value":"x"}],"selected_options":[{}]}}}}}`), false},
		{"team twice", `{"type":"interactive","payload":{"team":{"id":"T1","domain":"d"},"team":{"id":"T2"},"team":null}}`, true},
		{"event twice", `{"type":"events_api","payload":{"event":{"type":"reaction_added","item":{"type":"message","ts":"1"}},"event":{"user":"U","item":{"channel":"C"}}}}`, true},
		{"event then null", `{"type":"events_api","payload":{"event":{"type":"reaction_added"},"event":null}}`, true},
		{"event null then event", `{"type":"events_api","payload":{"event":null,"event":{"type":"reaction_added","item":null}}}`, true},
		{"actions", `{"type":"interactive","payload":{"type":"block_actions","actions":[null,{"action_id":"a","block_id":"b","type":"button","value":"v\n","action_ts":"1","text":{"type":"plain_text","text":"T","emoji":true,"verbatim":false}},{"type":"users_select","selected_user":"U1","initial_user":"U2","selected_channel":"C","initial_channel":"C2","selected_conversation":"D","initial_conversation":"D2","selected_date":"2024-01-01","initial_date":"2024-01-02","selected_time":"10:00","initial_time":"11:00","timezone":"UTC"},{}]}}`, true},
		{"action text twice", `{"type":"interactive","payload":{"actions":[{"text":{"type":"mrkdwn","text":"a","emoji":false},"text":{"emoji":true,"verbatim":true},"text":null,"value":null},{"text":{"emoji":true},"text":{"emoji":null}}]}}`, true},
		{"action left to encoding/json", `{"type":"interactive","payload":{"actions":[{"action_id":"a","selected_option":{"text":{"type":"plain_text","text":"T"},"value":"v"},"value":"x"},{"Action_ID":"b","action_id":"c"},{"text":{"type":"plain_text","text":"T","Emoji":true},"value":"y"},{"value":"z","selected_options":[{"value":"1"}],"selected_date_time":5}]}}`, true},
		{"empty actions", `{"type":"interactive","payload":{"actions":[]}}`, true},
		{"string for an action's value", `{"type":"interactive","payload":{"actions":[{"value":1}]}}`, false},
		{"number for a text", `{"type":"interactive","payload":{"actions":[{"text":1}]}}`, false},
		{"string for emoji", `{"type":"interactive","payload":{"actions":[{"text":{"emoji":"yes"}}]}}`, false},
		{"object for actions", `{"type":"interactive","payload":{"actions":{}}}`, false},
		{"actions twice", `{"type":"interactive","payload":{"actions":[{"action_id":"a","value":"1"},{"action_id":"b"}],"actions":[{"block_id":"c"}]}}`, true},

		// Nulls.
		{"null payload", `{"type":"interactive","payload":null}`, true},
		{"null view", `{"type":"interactive","payload":{"view":null}}`, true},
		{"null state and blocks", wrapView(`{"blocks":null,"state":null}`), true},
		{"null values", wrapView(`{"state":{"values":null}}`), true},
		{"null inside", wrapView(`{"blocks":[null,{"type":null,"block_id":"a"},{"type":"input","block_id":null},{"type":"input","block_id":""}],"state":{"values":{"a":null,"b":{"b":null},"c":{"c":{"type":null,"value":null,"selected_option":null,"selected_options":null}},"d":{"d":{"selected_options":[null,{"value":null},{}]}},"e":{"e":{"selected_options":[]}}}}}`), true},
		{"null fields", `{"envelope_id":null,"type":null,"accepts_response_payload":null,"retry_attempt":null,"payload":{"event_time":null,"team":null,"user":null,"channel":null,"container":null,"actions":null,"event":null}}`, true},
		{"top level null", `null`, false},

		// Strings as encoding/json decodes them.
		{"escapes", wrapView(`{"id":"\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00","hash":"\ud800","callback_id":"\ud800\u0041","bot_id":"\udc00\ud800","app_id":"\ud83d\ud83d\ude00","blocks":[]}`), true},
		{"not UTF-8", "{\"type\":\"interactive\",\"payload\":{\"text\":\"a\xffb\xc3\",\"command\":\"\xed\xa0\x80\",\"view\":{\"state\":{\"values\":{\"\xfe\":{\"a\":{\"value\":\"\xe2\x82\"}}}}}}}", true},
		{"long strings", wrapView(`{"private_metadata":"` + strings.Repeat("abcdefgh", 50) + `\n` + strings.Repeat("é", 20) + `","blocks":[{"type":"input","block_id":"` + strings.Repeat("x", 37) + `"}]}`), true},

		// Values of another type: encoding/json fails.
		{"string for an int", `{"type":"x","retry_attempt":"1"}`, false},
		{"fraction for an int", `{"type":"x","retry_attempt":1.5}`, false},
		{"exponent for an int", `{"type":"x","retry_attempt":1e2}`, false},
		{"int out of range", `{"type":"x","payload":{"event_time":99999999999999999999}}`, false},
		{"large int", `{"type":"x","payload":{"event_time":-999999999999999999}}`, true},
		{"number for a string", `{"envelope_id":5}`, false},
		{"string for a bool", `{"accepts_response_payload":"true"}`, false},
		{"string for a view", `{"type":"interactive","payload":{"view":"x"}}`, false},
		{"object for blocks", wrapView(`{"blocks":{}}`), false},
		{"string for a block", wrapView(`{"blocks":["x"]}`), false},
		{"string for a team", `{"type":"interactive","payload":{"team":"x"}}`, false},
		{"number for a value", wrapView(`{"state":{"values":{"a":{"a":{"value":5}}}}}`), false},
		{"object for options", wrapView(`{"state":{"values":{"a":{"a":{"selected_options":{}}}}}}`), false},
		{"list for a state", wrapView(`{"state":[]}`), false},
		{"list for a block's actions", wrapView(`{"state":{"values":{"a":[]}}}`), false},
		{"top level list", `[{"type":"hello"}]`, false},
		{"object for a team's id", `{"type":"interactive","payload":{"team":{"id":{}}}}`, false},
		{"string for an action", `{"type":"interactive","payload":{"actions":["x"]}}`, false},

		// Not JSON: encoding/json's error.
		{"trailing garbage", `{"type":"hello"} x`, false},
		{"two values", `{"type":"hello"}{}`, false},
		{"control character in a skipped string", wrapView(`{"blocks":[{"type":"section","text":"a` + "\t" + `b"}]}`), false},
		{"bad escape in a skipped string", wrapView(`{"blocks":[{"type":"section","text":"a\x"}]}`), false},
		{"bad unicode escape", wrapView(`{"blocks":[{"type":"section","text":"\u12g4"}]}`), false},
		{"leading zero", wrapView(`{"blocks":[{"type":"section","n":01}]}`), false},
		{"bad literal", wrapView(`{"blocks":[{"type":"section","b":tru}]}`), false},
		{"literal too long", wrapView(`{"blocks":[{"type":"section","b":truex}]}`), false},
		{"plus sign", `{"type":"x","n":+1}`, false},
		{"bare dot", `{"type":"x","n":1.}`, false},
		{"bare minus", `{"type":"x","n":-}`, false},
		{"bare exponent", `{"type":"x","n":1e}`, false},
		{"missing comma", wrapView(`{"blocks":[{"type":"section"} {"type":"x"}]}`), false},
		{"missing colon", wrapView(`{"blocks":[{"type" "section"}]}`), false},
		{"trailing comma", wrapView(`{"blocks":[{"type":"section"},]}`), false},
		{"trailing comma in an object", wrapView(`{"blocks":[{"type":"section","x":{"a":1,}}]}`), false},
		{"mismatched brackets", wrapView(`{"blocks":[{"type":"section","x":[1}]}`), false},
		{"unterminated", wrapView(`{"blocks":[{"type":"section"`), false},
		{"unterminated string", `{"type":"hel`, false},
		{"key not a string", `{"type":"x","n":{1:2}}`, false},
		{"empty", ``, false},
		{"space", " \n", false},
		{"byte order mark", "\xef\xbb\xbf{}", false},
		{"control character in a value", "{\"type\":\"a\x01\"}", false},
	}
}

// frameDecoded is f with what decodeFrame and decodeWholeFrame may read
// differently without it mattering: the blocks and state decodeFrame
// leaves out, the order of form (a map's, for encoding/json), nil or
// empty lists.
func frameDecoded(f *frame) *frame {
	if f == nil {
		return nil
	}
	c := *f
	c.Payload.View.Blocks, c.Payload.View.State = nil, nil
	if len(c.inputs) == 0 {
		c.inputs = nil
	}
	c.form = slices.Clone(c.form)
	slices.SortFunc(c.form, func(a, b formInput) int {
		return strings.Compare(a.Block+"\x00"+a.Action, b.Block+"\x00"+b.Action)
	})
	if len(c.form) == 0 {
		c.form = nil
	}
	return &c
}

// checkFrame fails t unless decodeFrame reads data as decodeWholeFrame
// does: the same frame, or the same error.
func checkFrame(t *testing.T, data []byte) {
	t.Helper()
	want, wantErr := decodeWholeFrame(data)
	got, err := decodeFrame(data)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("decodeFrame(%q): got error %v, want %v", data, err, wantErr)
	}
	if g, w := frameDecoded(got), frameDecoded(want); !reflect.DeepEqual(g, w) {
		t.Errorf("decodeFrame(%q)\n got %+v\nwant %+v", data, g, w)
	}
}

func TestDecodeFrameAsEncodingJSON(t *testing.T) {
	for _, tt := range frameCases() {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte(tt.frame)
			checkFrame(t, data)
			d := frameDecoder{s: scanner{b: data}}
			if _, fast := d.decode(); fast != tt.fast {
				t.Errorf("scanner reads it itself: got %t, want %t", fast, tt.fast)
			}
		})
	}
}

// TestDecodeFrameSubmission: the account manager's submission, as the
// load benchmark sends it, is read by the scanner, as encoding/json reads
// it.
func TestDecodeFrameSubmission(t *testing.T) {
	cat, err := templates.Load("")
	if err != nil {
		t.Fatal(err)
	}
	role, ok := cat.Role("account-manager")
	if !ok {
		t.Fatal("no account-manager role")
	}
	data, err := json.Marshal(map[string]any{
		"envelope_id": "e1", "type": envelopeInteractive, "accepts_response_payload": true,
		"payload": json.RawMessage(submission(t, role)),
	})
	if err != nil {
		t.Fatal(err)
	}
	checkFrame(t, data)
	d := frameDecoder{s: scanner{b: data}}
	f, fast := d.decode()
	if !fast {
		t.Fatal("got the frame left to encoding/json, want it read by the scanner")
	}
	if len(f.inputs) != len(role.Fields) || len(f.form) != len(role.Fields) {
		t.Errorf("got %d inputs and %d values, want %d of each", len(f.inputs), len(f.form), len(role.Fields))
	}
}

// TestScannerSkip: skip accepts what encoding/json accepts as one value,
// and moves past exactly that value.
func TestScannerSkip(t *testing.T) {
	tests := []string{
		`0`, `-0`, `12`, `1.25e-3`, `-1E+9`, `true`, `false`, `null`, `""`, `"a\"b\\"`, `"\u00e9\ud83d\ude00"`,
		`{}`, `[]`, `[ ]`, `{ }`, `{"a":[1,{"b":null}],"c":"d"}`, ` [ 1 , 2 ] `, `[[[[]]]]`,
		`01`, `1.`, `.1`, `-`, `+1`, `1e`, `1e+`, `tru`, `nul`, `"a`, `"\x"`, `"\u12"`, "\"\x1f\"",
		`{"a"}`, `{"a":}`, `{"a":1,}`, `[1,]`, `[1 2]`, `{1:2}`, `[}`, `{]`, `{"a":1`, `[`, ``, `,`,
		strings.Repeat("[", maxSkipDepth) + strings.Repeat("]", maxSkipDepth),
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			valid := json.Valid([]byte(in))
			s := scanner{b: []byte(in)}
			ok := s.skip() && s.end()
			if ok != valid {
				t.Errorf("skip(%q) and end: got %t, want %t (json.Valid)", in, ok, valid)
			}
		})
	}
}

// TestUnquote: strings decode as encoding/json decodes them.
func TestUnquote(t *testing.T) {
	tests := []string{
		`""`, `"plain"`, `"\"\\\/\b\f\n\r\t"`, `"\u0041\u00e9\u20ac"`, `"\ud83d\ude00"`, `"\ud800"`, `"\ud800x"`,
		`"\ud800\u0041"`, `"\udc00\ud800"`, `"\ud83d\ud83d\ude00"`, `"\ud800\\"`, "\"a\xffb\"", "\"\xc3\"", "\"\xed\xa0\x80\"",
		"\"\xf4\x90\x80\x80\"", `"ée"`,
	}
	for _, in := range tests {
		t.Run(in, func(t *testing.T) {
			var want string
			if err := json.Unmarshal([]byte(in), &want); err != nil {
				t.Fatal(err)
			}
			s := scanner{b: []byte(in)}
			got, ok := s.str()
			if !ok || got != want || s.i != len(in) {
				t.Errorf("str(%q) = %q, %t at %d; want %q at %d", in, got, ok, s.i, want, len(in))
			}
		})
	}
}

// FuzzDecodeFrameAsEncodingJSON: decodeFrame reads any input as
// decodeWholeFrame does, error included.
func FuzzDecodeFrameAsEncodingJSON(f *testing.F) {
	for _, tt := range frameCases() {
		f.Add([]byte(tt.frame))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		checkFrame(t, data)
	})
}

// BenchmarkDecodeFrames is decodeFrame on the other frames the bot reads
// ("scanned"), and decodeWholeFrame on them ("whole"); see also
// BenchmarkDecodeSubmission and BenchmarkDecodeReaction.
func BenchmarkDecodeFrames(b *testing.B) {
	frames := []struct{ name, frame string }{
		{"slash command", `{"envelope_id":"e1","type":"slash_commands","accepts_response_payload":true,"payload":{"token":"x","team_id":"T1","team_domain":"acme","channel_id":"C1","channel_name":"hiring","user_id":"U2","user_name":"alice","command":"/jobdesc","text":"account-manager","api_app_id":"A1","is_enterprise_install":"false","response_url":"https://hooks.slack.com/commands/T1/1/x","trigger_id":"111.222.abc"},"retry_attempt":0,"retry_reason":""}`},
		{"button click", `{"envelope_id":"e3","type":"interactive","accepts_response_payload":false,"payload":{"type":"block_actions","user":{"id":"U3","username":"bob","name":"bob","team_id":"T1"},"api_app_id":"A1","token":"x","container":{"type":"message","message_ts":"17.1","channel_id":"C1","is_ephemeral":false},"trigger_id":"3.4.abc","team":{"id":"T1","domain":"acme"},"enterprise":null,"is_enterprise_install":false,"channel":{"id":"C1","name":"hiring"},"message":{"user":"UBOT","type":"message","ts":"17.1","bot_id":"B1","app_id":"A1","text":"Account Manager draft","team":"T1","blocks":[{"type":"header","block_id":"h","text":{"type":"plain_text","text":"Account Manager","emoji":true}},{"type":"section","block_id":"s","text":{"type":"mrkdwn","text":"*About the role*\nYou will own a book of clients.","verbatim":false}},{"type":"actions","block_id":"draft.actions","elements":[{"type":"button","action_id":"draft.edit","text":{"type":"plain_text","text":"Edit","emoji":true},"value":"AM-1"}]}]},"state":{"values":{}},"response_url":"https://hooks.slack.com/actions/T1/1/x","actions":[{"action_id":"draft.edit","block_id":"draft.actions","text":{"type":"plain_text","text":"Edit","emoji":true},"value":"AM-1","type":"button","action_ts":"1700000000.000100"}]}}`},
	}
	for _, fr := range frames {
		b.Run(fr.name, func(b *testing.B) { benchDecode(b, []byte(fr.frame), nil) })
	}
}

// benchDecode runs decodeFrame ("scanned") and decodeWholeFrame
// ("whole"), each followed by decodeRequest, on data; check, if not nil,
// says what is wrong with the request decoded.
func benchDecode(b *testing.B, data []byte, check func(request) error) {
	b.Helper()
	for _, decode := range []struct {
		name string
		f    func([]byte) (*frame, error)
	}{{"scanned", decodeFrame}, {"whole", decodeWholeFrame}} {
		b.Run(decode.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				f, err := decode.f(data)
				if err != nil {
					b.Fatal(err)
				}
				req, err := decodeRequest(f, data)
				if err != nil {
					b.Fatal(err)
				}
				if check != nil {
					if err := check(req); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
