package app

import (
	"context"
	"time"

	"net/http"

	"liftoff/api"
	"liftoff/files"
	"liftoff/files/assets"
	"liftoff/files/avatars"
	"liftoff/files/backend"
	"liftoff/files/emoji"
	"liftoff/files/filesapi"
	"liftoff/files/uploads"
)

// startFiles wires the files service: the file store the FileUpload_*
// settings select, the upload and download routes, the removal of the
// files of removed messages and rooms, the start-up sweep of crashed
// uploads and the hourly removal of unconfirmed temporary uploads.
func (a *App) startFiles(ctx context.Context, rt *api.Router, web http.Handler) error {
	blobs := backend.NewCurrent(a.settings, backend.Options{DataDir: a.cfg.DataDir})
	svc := uploads.New(uploads.Deps{Store: a.store, Blobs: blobs, Settings: a.settings, Rooms: a.chat.Rooms,
		Messages: a.chat.Messages, Now: a.opts.Clock.Now, Logger: a.log})
	filesapi.Routes(rt, svc, a.log)
	filesapi.ListRoutes(rt, svc, a.chat.Rooms)
	av := avatars.New(avatars.Deps{Store: a.store, Blobs: blobs, Settings: a.settings, Permissions: a.chat.Admin, Rooms: a.chat.Admin,
		Now: a.opts.Clock.Now, Logger: a.log})
	filesapi.AvatarRoutes(rt, av)
	a.emoji = emoji.New(emoji.Deps{Store: a.store, Blobs: blobs, Settings: a.settings, Events: a.bus,
		Now: a.opts.Clock.Now, Logger: a.log})
	filesapi.EmojiRoutes(rt, a.emoji)
	filesapi.AssetRoutes(rt, assets.New(assets.Deps{Store: a.store, Blobs: blobs, Settings: a.settings, AssetSetting: a.chat.Admin,
		Now: a.opts.Clock.Now, Logger: a.log}), web)
	a.avatarFiles = av
	unsubscribe := a.bus.Subscribe("uploads", svc.HandleEvent)
	a.uploads = svc

	if _, _, err := blobs.Get(ctx); err != nil {
		// Serve anyway: uploads fail with a clear error until an
		// administrator fixes the settings.
		a.log.Error("file storage unavailable", "err", err)
	} else if rep, err := svc.Sweep(ctx); err != nil {
		a.log.Warn("sweep of crashed uploads", "err", err)
	} else if rep.Removed > 0 || rep.Temp > 0 {
		a.log.Info("swept crashed uploads", "removed", rep.Removed, "temp", rep.Temp)
	}

	stop := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(time.Hour)
		defer t.Stop()
		for {
			if n, err := svc.RemoveExpired(context.Background()); err != nil {
				a.log.Warn("remove expired uploads", "err", err)
			} else if n > 0 {
				a.log.Info("removed expired uploads", "count", n)
			}
			if n, err := av.RemoveUnused(context.Background()); err != nil {
				a.log.Warn("remove unused avatars", "err", err)
			} else if n > 0 {
				a.log.Info("removed unused avatars", "count", n)
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	a.closers = append(a.closers, func() {
		close(stop)
		<-done
		unsubscribe()
		blobs.Close()
	})
	return nil
}

// FileStore returns the file store the FileUpload_* settings select now,
// reloading the settings from the database first (for the import command,
// whose import may have changed them).
func (a *App) FileStore(ctx context.Context) (files.Store, files.Config, error) {
	if err := a.chat.Admin.ReloadCaches(ctx); err != nil {
		return nil, files.Config{}, err
	}
	return backend.NewCurrent(a.settings, backend.Options{DataDir: a.cfg.DataDir}).Get(ctx)
}
