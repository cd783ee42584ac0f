package filesapi

import (
	"context"
	"io"
	"net/http"

	"liftoff/access/perm"
	"liftoff/api"
	"liftoff/files/assets"
	"liftoff/model"
)

// Assets is what the assets endpoints call (*assets.Service).
type Assets interface {
	Stage(ctx context.Context, fileName string, body io.Reader) (*assets.Staged, error)
	Discard(ctx context.Context, st *assets.Staged)
	Set(ctx context.Context, name string, st *assets.Staged) error
	Unset(ctx context.Context, name string) error
	Serve(w http.ResponseWriter, r *http.Request, file string) bool
}

var errAssetsNotAllowed = model.Invalid("error-action-not-allowed", "Managing assets not allowed")

// AssetRoutes declares assets.setAsset, assets.unsetAsset and
// /assets/<name>.<ext>; other files under /assets/ (the web client's own)
// go to fallback.
func AssetRoutes(rt *api.Router, svc Assets, fallback http.Handler) {
	rt.Post("assets.setAsset", setAsset(svc), api.StreamBody(), api.PermissionOr(perm.ManageAssets, errAssetsNotAllowed))
	rt.Post("assets.unsetAsset", unsetAsset(svc), api.PermissionOr(perm.ManageAssets, errAssetsNotAllowed))
	rt.HandleHTTP("GET /assets/{file}", func(w http.ResponseWriter, r *http.Request) {
		if !svc.Serve(w, r, r.PathValue("file")) {
			fallback.ServeHTTP(w, r)
		}
	})
}

// setAsset reads the form: the file in "asset", the asset's name in
// "assetName" (else the file's name), as Rocket.Chat.
func setAsset(svc Assets) api.Handler {
	return func(r *api.Request) (any, error) {
		var st *assets.Staged
		fields, err := formParts(r, "asset", func(name string, body io.Reader) error {
			var err error
			st, err = svc.Stage(r.Context(), name, body)
			return err
		})
		if err != nil {
			svc.Discard(r.Context(), st)
			return nil, err
		}
		if st == nil {
			return nil, errInvalidField
		}
		name := fields["assetName"]
		if name == "" {
			name = st.FileName()
		}
		return nil, svc.Set(r.Context(), name, st)
	}
}

func unsetAsset(svc Assets) api.Handler {
	return func(r *api.Request) (any, error) {
		p := r.Params()
		name := p.String("assetName")
		if err := p.Err(); err != nil {
			return nil, err
		}
		return nil, svc.Unset(r.Context(), name)
	}
}
