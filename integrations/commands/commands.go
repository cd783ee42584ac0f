package commands

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"

	"liftoff/model"
)

// Invocation is one run of a command.
type Invocation struct {
	Command   string // the command's name, without the slash
	Params    string // the rest of the text, as sent
	UserID    string
	RoomID    string
	Tmid      string // the thread it was typed in, if any
	MessageID string // the id given to the message that carried it
	TriggerID string // apps' UI interaction id
}

// PreviewItem is one choice a previewing command offers.
type PreviewItem struct {
	ID    string `json:"id"`
	Type  string `json:"type"` // image, video, audio, text, other
	Value string `json:"value"`
}

// Previews are a previewing command's choices.
type Previews struct {
	I18nTitle string        `json:"i18nTitle"`
	Items     []PreviewItem `json:"items"`
}

// Command is a slash command.
type Command[E any] struct {
	// Name is the command without its slash ("topic"), lower case.
	Name string
	// Params describes the arguments, usually an i18n key ("@username").
	Params string
	// Description is an i18n key or text.
	Description string
	// Permission: the user needs at least one of these, in the room.
	Permission []string
	// ClientOnly commands run in the client; the server lists them only.
	ClientOnly bool
	// AppID is the app that added the command.
	AppID string
	// Run executes the command; its result is commands.run's result.
	Run func(ctx context.Context, env E, inv Invocation) (any, error)
	// Preview, when set, lists choices for the typed parameters.
	Preview func(ctx context.Context, env E, inv Invocation) (*Previews, error)
	// ExecutePreview runs the command with the chosen item.
	ExecutePreview func(ctx context.Context, env E, inv Invocation, item PreviewItem) error
}

// ProvidesPreview tells whether the command previews.
func (c *Command[E]) ProvidesPreview() bool { return c.Preview != nil }

// PermissionCheck tells whether the invoking user holds at least one of
// perms in the invocation's room.
type PermissionCheck[E any] func(ctx context.Context, env E, inv Invocation, perms []string) (bool, error)

// Registry holds the commands. It is safe for concurrent use.
type Registry[E any] struct {
	check PermissionCheck[E]
	mu    sync.RWMutex
	cmds  map[string]*Command[E]
	order []string // registration order, commands.list's default
}

// NewRegistry makes an empty registry; check enforces commands'
// Permission before Run and previews (Rocket.Chat's client does so before
// calling the server; the server checking again keeps API callers honest).
func NewRegistry[E any](check PermissionCheck[E]) *Registry[E] {
	return &Registry[E]{check: check, cmds: map[string]*Command[E]{}}
}

var validName = regexp.MustCompile(`^[^\s/]+$`)

// Add registers a command. A second command with a taken name is refused,
// as Rocket.Chat keeps the first.
func (r *Registry[E]) Add(c Command[E]) error {
	if !validName.MatchString(c.Name) || c.Name != strings.ToLower(c.Name) {
		return fmt.Errorf("commands: invalid command name %q", c.Name)
	}
	if c.Run == nil && !c.ClientOnly {
		return fmt.Errorf("commands: /%s has nothing to run", c.Name)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.cmds[c.Name]; ok {
		return fmt.Errorf("commands: /%s is already registered", c.Name)
	}
	r.cmds[c.Name] = &c
	r.order = append(r.order, c.Name)
	return nil
}

// Remove unregisters a command (an app was disabled).
func (r *Registry[E]) Remove(name string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.cmds[name]; !ok {
		return false
	}
	delete(r.cmds, name)
	for i, n := range r.order {
		if n == name {
			r.order = append(r.order[:i:i], r.order[i+1:]...)
			break
		}
	}
	return true
}

// Get returns the command named name, compared as commands.get and
// commands.run do: in lower case.
func (r *Registry[E]) Get(name string) (*Command[E], bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	c, ok := r.cmds[strings.ToLower(name)]
	return c, ok
}

// ErrUnknown is commands.run's and commands.preview's answer for a name
// that is not registered (a bare failure in Rocket.Chat).
var ErrUnknown = model.Bare(model.KindInvalid, "The command provided does not exist (or is disabled).")

// Run runs a command as commands.run and the slashCommand method do. The
// caller has checked that the user can access the room. A client-only
// command runs nothing and returns nil, as Rocket.Chat's server does.
func (r *Registry[E]) Run(ctx context.Context, env E, inv Invocation) (any, error) {
	c, err := r.prepare(ctx, env, &inv)
	if err != nil || c.Run == nil {
		return nil, err
	}
	return c.Run(ctx, env, inv)
}

// Preview returns a command's previews, at most ten, or nil when it has
// none.
func (r *Registry[E]) Preview(ctx context.Context, env E, inv Invocation) (*Previews, error) {
	c, err := r.prepare(ctx, env, &inv)
	if err != nil || c.Preview == nil {
		return nil, err
	}
	p, err := c.Preview(ctx, env, inv)
	if err != nil || p == nil || len(p.Items) == 0 {
		return nil, err
	}
	if len(p.Items) > 10 {
		p.Items = p.Items[:10]
	}
	return p, nil
}

// ExecutePreview runs a command with a chosen preview item.
func (r *Registry[E]) ExecutePreview(ctx context.Context, env E, inv Invocation, item PreviewItem) error {
	c, err := r.prepare(ctx, env, &inv)
	if err != nil || c.ExecutePreview == nil {
		return err
	}
	if item.ID == "" || item.Type == "" || item.Value == "" {
		return model.Invalid("error-invalid-preview", "Preview Item must have an id, type, and value.")
	}
	return c.ExecutePreview(ctx, env, inv, item)
}

func (r *Registry[E]) prepare(ctx context.Context, env E, inv *Invocation) (*Command[E], error) {
	c, ok := r.Get(inv.Command)
	if !ok {
		return nil, ErrUnknown
	}
	inv.Command = c.Name
	if inv.RoomID == "" {
		return nil, model.Invalid("invalid-command-usage", "Executing a command requires at least a message with a room id.")
	}
	if len(c.Permission) > 0 && r.check != nil {
		ok, err := r.check(ctx, env, *inv, c.Permission)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, model.Forbidden("error-not-allowed", "You do not have permission to execute /%s", c.Name)
		}
	}
	return c, nil
}

// RouteKind says what to do with a message text.
type RouteKind int

// What a text is.
const (
	NotCommand RouteKind = iota // an ordinary message: send it
	RunCommand                  // a known command: run it, do not send the text
	Unknown                     // "/something" unknown: tell the user No_such_command, send nothing
)

// Route is what Route decided.
type Route struct {
	Kind    RouteKind
	Command string // the name as typed (RunCommand, Unknown)
	Params  string // the rest of the first line, as typed
}

// Route applies Rocket.Chat's rule to a message text: a text is a command
// when it starts with "/" followed by a name without spaces; the
// parameters are the rest of its first line. A known name runs (names are
// matched as typed, as Rocket.Chat's client does); an unknown one is
// refused unless Message_AllowUnrecognizedSlashCommand lets it through as
// an ordinary message.
func (r *Registry[E]) Route(text string, allowUnrecognized bool) Route {
	name, params, ok := Parse(text)
	if !ok {
		return Route{Kind: NotCommand}
	}
	r.mu.RLock()
	_, known := r.cmds[name]
	r.mu.RUnlock()
	switch {
	case known:
		return Route{Kind: RunCommand, Command: name, Params: params}
	case allowUnrecognized:
		return Route{Kind: NotCommand}
	}
	return Route{Kind: Unknown, Command: name, Params: params}
}

// Parse splits "/name params" as Rocket.Chat's clients do (the pattern
// ^/(\S+)(.*) of JavaScript, where "." stops at a line break): ok is false
// when text does not start with a slash and a name. params keeps its
// leading space.
func Parse(text string) (name, params string, ok bool) {
	rest, found := strings.CutPrefix(text, "/")
	if !found {
		return "", "", false
	}
	end := strings.IndexFunc(rest, isJSSpace)
	if end < 0 {
		end = len(rest)
	}
	if end == 0 {
		return "", "", false
	}
	name, params = rest[:end], rest[end:]
	if i := strings.IndexAny(params, "\n\r\u2028\u2029"); i >= 0 {
		params = params[:i]
	}
	return name, params, true
}

// isJSSpace is JavaScript's \s.
func isJSSpace(r rune) bool {
	return unicode.IsSpace(r) || r == '\uFEFF' || unicode.Is(unicode.Zs, r)
}

// Item is a command as commands.list shows it.
type Item struct {
	Command         string `json:"command"`
	Params          string `json:"params,omitempty"`
	Description     string `json:"description"`
	Permission      any    `json:"permission,omitempty"` // a string, or a list of them
	ClientOnly      bool   `json:"clientOnly"`
	ProvidesPreview bool   `json:"providesPreview"`
	AppID           string `json:"appId,omitempty"`
}

// GetItem is a command as commands.get shows it.
type GetItem struct {
	Command         string `json:"command"`
	Description     string `json:"description,omitempty"`
	Params          string `json:"params,omitempty"`
	ClientOnly      bool   `json:"clientOnly"`
	ProvidesPreview bool   `json:"providesPreview"`
}

func item[E any](c *Command[E]) Item {
	it := Item{Command: c.Name, Params: c.Params, Description: c.Description, ClientOnly: c.ClientOnly, ProvidesPreview: c.ProvidesPreview(), AppID: c.AppID}
	switch len(c.Permission) {
	case 0:
	case 1:
		it.Permission = c.Permission[0]
	default:
		it.Permission = append([]string(nil), c.Permission...)
	}
	return it
}

// GetItem describes one command for commands.get; ok is false for an
// unknown name (answer "There is no command in the system by the name
// of: <name>").
func (r *Registry[E]) GetItem(name string) (GetItem, bool) {
	c, ok := r.Get(name)
	if !ok {
		return GetItem{}, false
	}
	return GetItem{Command: c.Name, Description: c.Description, Params: c.Params, ClientOnly: c.ClientOnly, ProvidesPreview: c.ProvidesPreview()}, true
}

// ListQuery is commands.list's parameters.
type ListQuery struct {
	Command string         // query {"command": ...}: only that command
	Sort    map[string]int // sort {"field": 1|-1}; fields of Item
	Offset  int
	Count   int // 0: all
}

// List answers commands.list: the page of items and the total before
// paging. Without a sort, commands come in registration order (Rocket.Chat
// sorts by a name field commands lack, which keeps their order).
func (r *Registry[E]) List(q ListQuery) (items []Item, total int) {
	r.mu.RLock()
	for _, name := range r.order {
		c := r.cmds[name]
		if q.Command != "" && c.Name != q.Command {
			continue
		}
		items = append(items, item(c))
	}
	r.mu.RUnlock()
	total = len(items)
	if len(q.Sort) > 0 {
		fields := make([]string, 0, len(q.Sort))
		for f := range q.Sort {
			fields = append(fields, f)
		}
		sort.Strings(fields)
		sort.SliceStable(items, func(i, j int) bool {
			for _, f := range fields {
				a, b := sortKey(items[i], f), sortKey(items[j], f)
				if a != b {
					return (a < b) == (q.Sort[f] >= 0)
				}
			}
			return false
		})
	}
	if q.Offset > 0 {
		if q.Offset >= len(items) {
			return []Item{}, total
		}
		items = items[q.Offset:]
	}
	if q.Count > 0 && q.Count < len(items) {
		items = items[:q.Count]
	}
	if items == nil {
		items = []Item{}
	}
	return items, total
}

func sortKey(it Item, field string) string {
	switch field {
	case "command":
		return it.Command
	case "description":
		return it.Description
	case "params":
		return it.Params
	case "appId":
		return it.AppID
	case "clientOnly":
		return fmt.Sprint(it.ClientOnly)
	case "providesPreview":
		return fmt.Sprint(it.ProvidesPreview)
	}
	return ""
}
