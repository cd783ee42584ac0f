package script_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"liftoff/integrations/script"
	"liftoff/internal/safehttp"
)

// crashEnv makes this test binary a worker that dies at once (to test how
// the engine copes with a dead worker).
const crashEnv = "SCRIPT_TEST_WORKER_CRASH"

func TestMain(m *testing.M) {
	if os.Getenv(crashEnv) != "" {
		fmt.Fprintln(os.Stderr, "worker exploded")
		os.Exit(3)
	}
	script.RunWorkerIfChild()
	os.Exit(m.Run())
}

func newEngine(t *testing.T, opts script.Options) *script.Engine {
	t.Helper()
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e := script.New(opts)
	t.Cleanup(func() { e.Close() })
	return e
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func incoming(t *testing.T, payload string, headers map[string]string) script.IncomingRequest {
	t.Helper()
	var content any
	if err := json.Unmarshal([]byte(payload), &content); err != nil {
		t.Fatal(err)
	}
	return script.IncomingRequest{
		URL:        script.IncomingURL{Query: map[string]any{}, Pathname: "/hooks/id/token", Path: "/hooks/id/token"},
		URLRaw:     "/hooks/id/token",
		URLParams:  map[string]string{"integrationId": "id", "token": "token"},
		Content:    content,
		ContentRaw: payload,
		Headers:    headers,
		Body:       content,
		User:       script.ScriptUser{ID: "uid", Name: "Bot", Username: "bot"},
	}
}

func TestGitLabPipelineScript(t *testing.T) {
	e := newEngine(t, script.Options{})
	s := script.Script{IntegrationID: "gitlab", Name: "GitLab", Source: readFile(t, "gitlab-pipeline.js")}
	if err := e.Check(s.Source); err != nil {
		t.Fatalf("Check: %v", err)
	}
	req := incoming(t, readFile(t, "gitlab-pipeline.json"), map[string]string{"x-gitlab-event": "Pipeline Hook", "content-type": "application/json"})
	out, err := e.ProcessIncomingRequest(context.Background(), s, req)
	if err != nil {
		t.Fatal(err)
	}
	var content struct {
		Alias       string `json:"alias"`
		IconURL     string `json:"icon_url"`
		Text        string `json:"text"`
		Attachments []struct {
			Title     string `json:"title"`
			TitleLink string `json:"title_link"`
			Text      string `json:"text"`
			Color     string `json:"color"`
			Author    string `json:"author_name"`
			Fields    []struct {
				Title string `json:"title"`
				Value string `json:"value"`
				Short bool   `json:"short"`
			} `json:"fields"`
		} `json:"attachments"`
	}
	if err := json.Unmarshal(out.Content, &content); err != nil {
		t.Fatalf("content %s: %v", out.Content, err)
	}
	if content.Text != "Pipeline [#1207](https://gitlab.example.org/acme/api/-/pipelines/1207) of acme/api: failed" || content.Alias != "GitLab" ||
		content.IconURL != "https://gitlab.example.org/uploads/user/avatar/7/ada.png" {
		t.Fatalf("content = %+v", content)
	}
	a := content.Attachments[0]
	if len(content.Attachments) != 1 || a.Title != "Retry uploads on 503" || a.Color != "#d22852" || a.Author != "Ada Lovelace" ||
		a.Text != "Retry uploads on 503\n\nThe object store answers 503 under load." || a.TitleLink != "https://gitlab.example.org/acme/api/-/commit/5d8c3e1f" {
		t.Fatalf("attachment = %+v", a)
	}
	if len(a.Fields) != 3 || a.Fields[0].Value != "main" || a.Fields[1].Value != "223s" || a.Fields[2].Value != "test/unit" || a.Fields[2].Short {
		t.Fatalf("fields = %+v", a.Fields)
	}
	if len(out.Logs) != 1 || out.Logs[0].Text != "pipeline 1207 failed" || out.Logs[0].Level != "info" {
		t.Fatalf("logs = %+v", out.Logs)
	}

	// Another event: the script answers with an error.
	out, err = e.ProcessIncomingRequest(context.Background(), s, incoming(t, `{"object_kind":"push"}`, map[string]string{"x-gitlab-event": "Push Hook"}))
	if err != nil {
		t.Fatal(err)
	}
	if out.Content != nil || string(out.Error) != `{"success":false,"message":"unsupported GitLab event: Push Hook"}` {
		t.Fatalf("outcome = %+v", out)
	}
}

func TestAlertmanagerScriptAndStore(t *testing.T) {
	e := newEngine(t, script.Options{})
	s := script.Script{IntegrationID: "am", Source: readFile(t, "alertmanager.js")}
	req := incoming(t, readFile(t, "alertmanager.json"), map[string]string{"content-type": "application/json"})
	out, err := e.ProcessIncomingRequest(context.Background(), s, req)
	if err != nil {
		t.Fatal(err)
	}
	var content struct {
		Username    string           `json:"username"`
		Text        string           `json:"text"`
		Attachments []map[string]any `json:"attachments"`
	}
	if err := json.Unmarshal(out.Content, &content); err != nil {
		t.Fatal(err)
	}
	if content.Text != "[FIRING:1] HighLatency (team-api)" || content.Username != "Alertmanager" || len(content.Attachments) != 2 {
		t.Fatalf("content = %+v", content)
	}
	first, second := content.Attachments[0], content.Attachments[1]
	if first["title"] != "HighLatency on api-1:9100" || first["color"] != "#d22852" || first["text"] != "p99 latency of api-1 is 2.7s" || first["ts"] != "2026-11-20T10:00:00Z" {
		t.Fatalf("first = %v", first)
	}
	if second["color"] != "#2faa60" || second["text"] != "p99 above 2s" {
		t.Fatalf("second = %v", second)
	}
	fields, _ := json.Marshal(first["fields"])
	if string(fields) != `[{"short":true,"title":"instance","value":"api-1:9100"},{"short":true,"title":"job","value":"api"},{"short":true,"title":"severity","value":"critical"}]` {
		t.Fatalf("fields = %s", fields)
	}

	// Store keeps its values between calls of the same script...
	counter := script.Script{IntegrationID: "counter", Source: `class Script { process_incoming_request() { return { content: { text: String(Store.set('n', (Store.get('n') || 0) + 1)) } } } }`}
	for want := 1; want <= 3; want++ {
		out, err := e.ProcessIncomingRequest(context.Background(), counter, script.IncomingRequest{})
		if err != nil || string(out.Content) != fmt.Sprintf(`{"text":"%d"}`, want) {
			t.Fatalf("call %d: %s, %v", want, out.Content, err)
		}
	}
	// ...and starts afresh when the script is saved again.
	counter.Source += "\n// edited"
	out, err = e.ProcessIncomingRequest(context.Background(), counter, script.IncomingRequest{})
	if err != nil || string(out.Content) != `{"text":"1"}` {
		t.Fatalf("after an edit: %s, %v", out.Content, err)
	}
}

func TestCheckReportsSyntaxErrors(t *testing.T) {
	e := newEngine(t, script.Options{MaxSourceBytes: 1000})
	for _, src := range []string{
		"class Script { process_incoming_request({ request ) { } }",
		"class Script { process_incoming_request() { return { content: } } }",
		"let = ;",
	} {
		err := e.Check(src)
		if err == nil || err.Kind != script.KindSyntax || err.Name != "SyntaxError" || err.Message == "" {
			t.Errorf("Check(%q) = %+v", src, err)
		}
	}
	if err := e.Check(strings.Repeat(" ", 1001)); err == nil {
		t.Error("an oversized script passed")
	}
	if err := e.Check("class Script { async process_incoming_request({ request }) { const { a = 1, ...rest } = request?.content ?? {}; return { content: { text: `${a}` } } } }"); err != nil {
		t.Errorf("modern syntax refused: %v", err)
	}
	// A syntax error met when running is reported the same way.
	_, err := e.Call(context.Background(), script.Script{IntegrationID: "bad", Source: "class {"}, script.ProcessIncomingRequest, nil)
	if script.KindOf(err) != script.KindSyntax {
		t.Fatalf("run of a broken script: %v", err)
	}
}

func TestThrowsAndBadResults(t *testing.T) {
	e := newEngine(t, script.Options{MaxResultBytes: 1000})
	cases := []struct {
		name, src string
		kind      script.Kind
		message   string
	}{
		{"throw", `class Script { process_incoming_request() { throw new TypeError('nope') } }`, script.KindThrow, "nope"},
		{"throw a string", `class Script { process_incoming_request() { throw 'plain' } }`, script.KindThrow, "plain"},
		{"rejected promise", `class Script { async process_incoming_request() { throw new Error('later') } }`, script.KindThrow, "later"},
		{"throw while evaluating", `throw new Error('at load'); class Script {}`, script.KindEvaluate, "at load"},
		{"no Script class", `class Other {}`, script.KindEvaluate, "Script"},
		{"cyclic result", `class Script { process_incoming_request() { const a = {}; a.a = a; return a } }`, script.KindResult, "JSON"},
		{"huge result", `class Script { process_incoming_request() { return { content: { text: 'x'.repeat(2000) } } } }`, script.KindResult, "larger"},
		{"pending promise", `class Script { process_incoming_request() { return new Promise(() => {}) } }`, script.KindResult, "never settled"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: tc.name, Source: tc.src}, script.IncomingRequest{})
			var se *script.Error
			if !errorsAs(err, &se) || se.Kind != tc.kind || !strings.Contains(se.Message, tc.message) {
				t.Fatalf("err = %#v", err)
			}
			if tc.kind == script.KindThrow && tc.name == "throw" && (se.Name != "TypeError" || !strings.Contains(se.Stack, "integration-throw.js")) {
				t.Fatalf("name %q, stack %q", se.Name, se.Stack)
			}
		})
	}
	// An async method that resolves is awaited.
	out, err := e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "async", Source: `class Script { async process_incoming_request({ request }) { await null; return { content: { text: request.user.username } } } }`},
		script.IncomingRequest{User: script.ScriptUser{Username: "bot"}})
	if err != nil || string(out.Content) != `{"text":"bot"}` {
		t.Fatalf("async: %s %v", out.Content, err)
	}
	// No method, a falsy result: nothing to post.
	for _, src := range []string{`class Script {}`, `class Script { process_incoming_request() {} }`, `class Script { process_incoming_request() { return false } }`} {
		out, err := e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "empty", Source: src}, script.IncomingRequest{})
		if err != nil || !out.Empty {
			t.Fatalf("%s: %+v %v", src, out, err)
		}
	}
}

func errorsAs(err error, target **script.Error) bool {
	se, ok := err.(*script.Error)
	if ok {
		*target = se
	}
	return ok
}

func TestInfiniteLoopStoppedByCPULimit(t *testing.T) {
	e := newEngine(t, script.Options{CPUTime: 300 * time.Millisecond, WallTime: time.Minute, Workers: 1})
	for _, src := range []string{
		`class Script { process_incoming_request() { while (true) {} } }`,
		`while (true) {} class Script {}`,
		`class Script { process_incoming_request() { for (;;) { try { while (true) {} } catch (e) {} } } }`,
	} {
		_, err := e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "loop", Source: src}, script.IncomingRequest{})
		if script.KindOf(err) != script.KindCPU {
			t.Fatalf("%s: %v", src, err)
		}
	}
	// The same worker goes on serving.
	out, err := e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "fine", Source: `class Script { process_incoming_request() { return { content: { text: 'ok' } } } }`}, script.IncomingRequest{})
	if err != nil || string(out.Content) != `{"text":"ok"}` {
		t.Fatalf("after a runaway script: %v", err)
	}
}

func TestMemoryBlowUpStopped(t *testing.T) {
	e := newEngine(t, script.Options{MemoryLimit: 16 << 20, CPUTime: 20 * time.Second, WallTime: time.Minute, Workers: 1})
	cases := map[string]string{
		// grows step by step: the watchdog interrupts it
		"growing array":   `class Script { process_incoming_request() { const a = []; for (let i = 0; ; i++) a.push('item ' + i) } }`,
		"doubling string": `class Script { process_incoming_request() { let s = 'ab'; for (;;) s = s + s } }`,
		// one step would take everything: the guards refuse it
		"repeat":      `class Script { process_incoming_request() { return 'x'.repeat(2 ** 40) } }`,
		"array map":   `class Script { process_incoming_request() { return new Array(2 ** 31).map((x) => x) } }`,
		"length map":  `class Script { process_incoming_request() { const a = []; a.length = 2 ** 31; return a.map((x) => x) } }`,
		"from":        `class Script { process_incoming_request() { return Array.from({ length: 2 ** 33 }) } }`,
		"apply":       `class Script { process_incoming_request() { return Math.max.apply(null, { length: 2 ** 33 }) } }`,
		"buffer":      `class Script { process_incoming_request() { return new ArrayBuffer(2 ** 40) } }`,
		"typed array": `class Script { process_incoming_request() { return new Float64Array(2 ** 31) } }`,
		"pad":         `class Script { process_incoming_request() { return 'x'.padEnd(2 ** 40) } }`,
		// a builtin that builds a huge value without returning: the worker
		// dies (kernel limit or watchdog), the server does not
		"one long builtin": `class Script { process_incoming_request() { return new Array(100000).fill('y'.repeat(10000)).join('') } }`,
	}
	for name, src := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: name, Source: src}, script.IncomingRequest{})
			if script.KindOf(err) != script.KindMemory {
				t.Fatalf("err = %v", err)
			}
			if name == "one long builtin" && !strings.Contains(err.Error(), "the worker was stopped") {
				t.Fatalf("err = %v, want the worker stopped", err)
			}
			out, err := e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "after", Source: `class Script { process_incoming_request() { return { content: { text: 'ok' } } } }`}, script.IncomingRequest{})
			if err != nil || string(out.Content) != `{"text":"ok"}` {
				t.Fatalf("after a memory blow-up: %v", err)
			}
		})
	}
}

func TestSandboxHasNoWayOut(t *testing.T) {
	e := newEngine(t, script.Options{})
	src := `class Script { process_incoming_request() { return { content: { text: [typeof require, typeof process, typeof Deno, typeof fetch, typeof setTimeout, typeof __host, typeof Store, typeof s, typeof HTTP, typeof serverFetch, typeof console.log, global === globalThis].join(',') } } } }`
	out, err := e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "probe", Source: src}, script.IncomingRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Content) != `{"text":"undefined,undefined,undefined,undefined,undefined,undefined,object,object,function,function,function,true"}` {
		t.Fatalf("globals: %s", out.Content)
	}
	helpers := `class Script { process_incoming_request() { return { content: { text: [s.trim('  a  '), s.trim('--a--', '-'), s.capitalize('hello'), s.truncate('abcdefgh', 6), s.numberFormat(1234567.891, 2), s.pad('7', 3, '0', 'left'), s.lrpad('x', 5, '*'), s.strLeft('a/b/c', '/'), s.strRight('a/b/c', '/'), s.strRightBack('a/b/c', '/'), s.stripTags('<b>bold</b>')].join('|') } } } }`
	out, err = e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "s", Source: helpers}, script.IncomingRequest{})
	if err != nil || string(out.Content) != `{"text":"a|a|Hello|abc...|1,234,567.89|007|**x**|a|b/c|c|bold"}` {
		t.Fatalf("s helpers: %s %v", out.Content, err)
	}
}

func TestHTTPGoesThroughTheSafeClient(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.Method+" "+r.URL.RequestURI()+" "+r.Header.Get("Authorization")+" "+r.Header.Get("Content-Type"))
		mu.Unlock()
		switch r.URL.Path {
		case "/missing":
			http.Error(w, "no such thing", http.StatusNotFound)
		case "/slow":
			<-r.Context().Done()
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"path":%q}`, r.URL.Path)
		}
	}))
	t.Cleanup(srv.Close)

	allowed := safehttp.New(safehttp.Options{AllowList: safehttp.MustParseAllowList("127.0.0.1")})
	e := newEngine(t, script.Options{HTTP: allowed, WallTime: 2 * time.Second, Workers: 1})
	src := `class Script {
		async process_incoming_request({ request }) {
			const base = request.content.base;
			const legacy = HTTP('POST', base + '/legacy', { params: { a: '1 2' }, auth: 'u:p' });
			const missing = HTTP('GET', base + '/missing', {});
			const res = await serverFetch(base + '/modern?x=1', { method: 'PUT', body: { k: 'v' } });
			const json = await res.json();
			return { content: { text: [legacy.result.statusCode, legacy.result.data.path, missing.error.message, missing.error.response.statusCode, res.status, res.ok, res.headers.get('Content-Type'), json.path].join('|') } };
		}
	}`
	req := script.IncomingRequest{Content: map[string]any{"base": srv.URL}}
	out, err := e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "http", Source: src}, req)
	if err != nil {
		t.Fatal(err)
	}
	if string(out.Content) != `{"text":"200|/legacy|failed [404]no such thing |404|200|true|application/json|/modern"}` {
		t.Fatalf("content = %s", out.Content)
	}
	mu.Lock()
	got := strings.Join(seen, "\n")
	mu.Unlock()
	want := "POST /legacy Basic dTpw application/x-www-form-urlencoded\nGET /missing  \nPUT /modern?x=1  application/json"
	if got != want {
		t.Fatalf("requests:\n%s\nwant:\n%s", got, want)
	}

	// Without the allow-list the same loopback URL is refused, and the
	// script sees the refusal as an error.
	refusing := newEngine(t, script.Options{HTTP: safehttp.New(safehttp.Options{}), Workers: 1})
	probe := `class Script { process_incoming_request({ request }) { const r = HTTP('GET', request.content.base + '/x'); return { content: { text: String(r.error && r.error.message) } } } }`
	out, err = refusing.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "refused", Source: probe}, req)
	if err != nil || !strings.Contains(string(out.Content), "destination not allowed") {
		t.Fatalf("refused: %s %v", out.Content, err)
	}
	meta := `class Script { async process_incoming_request() { try { await serverFetch('http://169.254.169.254/latest/meta-data/') } catch (e) { return { content: { text: e.message } } } } }`
	out, err = refusing.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "meta", Source: meta}, req)
	if err != nil || !strings.Contains(string(out.Content), "link-local") {
		t.Fatalf("metadata: %s %v", out.Content, err)
	}

	// A call that outlives the wall-clock limit is stopped and the worker
	// replaced.
	slow := `class Script { process_incoming_request({ request }) { HTTP('GET', request.content.base + '/slow'); return { content: { text: 'late' } } } }`
	_, err = e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "slow", Source: slow}, req)
	if script.KindOf(err) != script.KindTimeout {
		t.Fatalf("slow: %v", err)
	}
	out, err = e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "http", Source: src}, req)
	if err != nil || !strings.HasPrefix(string(out.Content), `{"text":"200|`) {
		t.Fatalf("after a timeout: %s %v", out.Content, err)
	}
}

func TestOutgoingScripts(t *testing.T) {
	e := newEngine(t, script.Options{})
	data := map[string]any{"token": "tok", "text": "!deploy api", "trigger_word": "!deploy"}
	req := script.NewOutgoingRequest("https://ci.example.org/hook", data)

	// No script method: the request goes as Rocket.Chat made it.
	p, err := e.PrepareOutgoingRequest(context.Background(), script.Script{IntegrationID: "none", Source: `class Script {}`}, req)
	if err != nil || p.URL != "https://ci.example.org/hook" || p.Method != "POST" || p.Headers["User-Agent"] != script.DefaultUserAgent ||
		string(p.Data) != `{"text":"!deploy api","token":"tok","trigger_word":"!deploy"}` {
		t.Fatalf("prepared = %+v, %v", p, err)
	}

	src := `class Script {
		prepare_outgoing_request({ request }) {
			if (request.data.text.includes('stop')) return;
			const [, target] = request.data.text.split(' ');
			return {
				url: request.url + '?target=' + target,
				method: 'GET',
				headers: { 'X-Token': request.data.token, 'X-Count': 3 },
				auth: 'ci:secret',
				message: { text: 'deploying ' + target },
			};
		}
		process_outgoing_response({ request, response }) {
			if (response.status_code === 204) return false;
			if (response.status_code !== 200) return;
			return { content: { text: request.method + ' ' + JSON.parse(response.content).state } };
		}
	}`
	s := script.Script{IntegrationID: "ci", Source: src}
	p, err = e.PrepareOutgoingRequest(context.Background(), s, req)
	if err != nil {
		t.Fatal(err)
	}
	if p.URL != "https://ci.example.org/hook?target=api" || p.Method != "GET" || p.Auth != "ci:secret" || p.Headers["X-Token"] != "tok" ||
		p.Headers["X-Count"] != "3" || p.Data != nil || string(p.Message) != `{"text":"deploying api"}` {
		t.Fatalf("prepared = %+v", p)
	}
	data["text"] = "!deploy stop"
	if p2, err := e.PrepareOutgoingRequest(context.Background(), s, script.NewOutgoingRequest("https://ci.example.org/hook", data)); err != nil || p2 != nil {
		t.Fatalf("nothing returned: %+v %v", p2, err)
	}

	out, err := e.ProcessOutgoingResponse(context.Background(), s, p.Raw, script.OutgoingResponse{StatusCode: 200, Content: `{"state":"queued"}`, ContentRaw: `{"state":"queued"}`, Headers: map[string]string{}})
	if err != nil || !out.Handled || out.Stop || string(out.Content) != `{"text":"GET queued"}` {
		t.Fatalf("200: %+v %v", out, err)
	}
	out, err = e.ProcessOutgoingResponse(context.Background(), s, p.Raw, script.OutgoingResponse{StatusCode: 204})
	if err != nil || !out.Handled || !out.Stop {
		t.Fatalf("204: %+v %v", out, err)
	}
	out, err = e.ProcessOutgoingResponse(context.Background(), s, p.Raw, script.OutgoingResponse{StatusCode: 500})
	if err != nil || out.Handled {
		t.Fatalf("500: %+v %v", out, err)
	}
}

func TestCrashedWorkerIsReportedAndReplaced(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	starts := 0
	e := newEngine(t, script.Options{Workers: 1, Command: func() (*exec.Cmd, error) {
		starts++
		cmd := exec.Command(exe)
		cmd.Env = []string{crashEnv + "=1"}
		return cmd, nil
	}})
	for i := 0; i < 2; i++ {
		_, err := e.Call(context.Background(), script.Script{IntegrationID: "x", Source: `class Script {}`}, script.ProcessIncomingRequest, nil)
		if script.KindOf(err) != script.KindCrash || !strings.Contains(err.Error(), "worker exploded") {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	if starts != 2 {
		t.Fatalf("started %d workers, want a new one per call after a crash", starts)
	}
}

func TestDisabledAndConcurrentCalls(t *testing.T) {
	off := newEngine(t, script.Options{Disabled: true})
	if _, err := off.Call(context.Background(), script.Script{Source: `class Script {}`}, script.ProcessIncomingRequest, nil); script.KindOf(err) != script.KindDisabled {
		t.Fatalf("disabled: %v", err)
	}

	e := newEngine(t, script.Options{Workers: 2})
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := script.Script{IntegrationID: fmt.Sprint("c", i%5), Source: `class Script { process_incoming_request({ request }) { return { content: { text: request.content.n * 2 + '' } } } }`}
			out, err := e.ProcessIncomingRequest(context.Background(), s, script.IncomingRequest{Content: map[string]any{"n": i}})
			if err != nil {
				errs <- err
				return
			}
			if want := fmt.Sprintf(`{"text":"%d"}`, i*2); string(out.Content) != want {
				errs <- fmt.Errorf("got %s, want %s", out.Content, want)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestOversizedInputRefused(t *testing.T) {
	e := newEngine(t, script.Options{MaxParamsBytes: 100})
	_, err := e.ProcessIncomingRequest(context.Background(), script.Script{IntegrationID: "big", Source: `class Script {}`},
		script.IncomingRequest{ContentRaw: strings.Repeat("x", 200)})
	if script.KindOf(err) != script.KindInput {
		t.Fatalf("err = %v", err)
	}
}

// BenchmarkProcessIncomingRequest measures one warm call: the JSON round
// trip to a worker process and the script's run.
func BenchmarkProcessIncomingRequest(b *testing.B) {
	e := script.New(script.Options{Workers: 1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	defer e.Close()
	s := script.Script{IntegrationID: "bench", Source: `class Script { process_incoming_request({ request }) { return { content: { text: 'got ' + request.content.text } } } }`}
	req := script.IncomingRequest{Content: map[string]any{"text": "hello"}}
	if _, err := e.ProcessIncomingRequest(context.Background(), s, req); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := e.ProcessIncomingRequest(context.Background(), s, req); err != nil {
			b.Fatal(err)
		}
	}
}
