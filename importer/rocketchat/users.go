package rocketchat

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"liftoff/auth/secondfactor"
	"liftoff/auth/twofactor"
	"liftoff/model"
	"liftoff/settings/setting"
	"liftoff/store"
)

// rcUser is a Rocket.Chat users document: IUser, whose field names are
// Liftoff's, with the secrets Liftoff keeps apart.
type rcUser struct {
	model.User
	Services struct {
		Password struct {
			Bcrypt string `json:"bcrypt"`
			Argon2 string `json:"argon2"`
		} `json:"password"`
		Resume struct {
			LoginTokens []rcToken `json:"loginTokens"`
		} `json:"resume"`
		TOTP struct {
			Enabled      bool     `json:"enabled"`
			Secret       string   `json:"secret"`
			HashedBackup []string `json:"hashedBackup"`
		} `json:"totp"`
		Email2FA struct {
			Enabled   bool       `json:"enabled"`
			ChangedAt model.Time `json:"changedAt"`
		} `json:"email2fa"`
	} `json:"services"`
}

// rcToken is one entry of services.resume.loginTokens: a login token
// ({when, hashedToken}) or a personal access token (type
// "personalAccessToken", with a name).
type rcToken struct {
	When            model.Time `json:"when"`
	CreatedAt       model.Time `json:"createdAt"`
	HashedToken     string     `json:"hashedToken"`
	Type            string     `json:"type"`
	Name            string     `json:"name"`
	LastTokenPart   string     `json:"lastTokenPart"`
	BypassTwoFactor bool       `json:"bypassTwoFactor"`
}

// importedUser is a user with their secrets, ready to write.
type importedUser struct {
	user   *model.User
	hash   string
	tokens []*model.Token
	// twoFactor is the user's two-factor state (secondfactor's record),
	// nil when they had none on.
	twoFactor []byte
}

func (im *importer) importUsers(ctx context.Context, c *Collection) error {
	// Login tokens live Accounts_LoginExpiration days from their creation,
	// as the workspace (imported before the users) says.
	if s, err := im.Store.SettingByID(ctx, string(setting.AccountsLoginExpiration)); err == nil {
		var days float64
		switch v := s.Value.(type) {
		case int:
			days = float64(v)
		case int64:
			days = float64(v)
		case float64:
			days = v
		}
		if days > 0 {
			im.loginExpiration = time.Duration(days * float64(24*time.Hour))
		}
	} else if !errors.Is(err, store.ErrNotFound) {
		return err
	}
	totp := 0
	err := im.each(ctx, c, func(batch []doc) error {
		ids := make([]string, 0, len(batch))
		recs := make([]importedUser, 0, len(batch))
		for _, d := range batch {
			u, ok := decode[rcUser](c, d)
			if !ok {
				continue
			}
			iu, err := im.convertUser(u)
			if err != nil {
				c.fail(d.id, err.Error())
				continue
			}
			if iu.twoFactor != nil && u.Services.TOTP.Enabled {
				totp++
			}
			ids, recs = append(ids, iu.user.ID), append(recs, iu)
		}
		return writeBatch(ctx, im, c, ids, recs, im.writeUser)
	})
	if n := len(im.matchedUsers); n > 0 {
		c.note(fmt.Sprintf("%d users matched existing users by e-mail address or username: their rooms and messages "+
			"are linked to them, and the existing passwords and sessions are kept", n))
	}
	if totp > 0 {
		c.note(fmt.Sprintf("%d users had TOTP two-factor authentication enabled: their secrets and unused backup codes are imported, "+
			"so their authenticator apps keep working", totp))
	}
	return err
}

func (im *importer) convertUser(u *rcUser) (importedUser, error) {
	if u.ID == "" {
		return importedUser{}, errors.New("no _id")
	}
	if u.Username == "" {
		return importedUser{}, errors.New("no username")
	}
	user := &u.User
	if user.Type == "" {
		user.Type = model.UserTypeUser
	}
	if user.Roles == nil {
		user.Roles = []string{"user"}
	}
	if user.Name == "" {
		user.Name = user.Username
	}
	// Nobody is connected to the new server yet.
	user.Status, user.StatusConnection = model.StatusOffline, model.StatusOffline
	if user.CreatedAt.IsZero() {
		user.CreatedAt = im.now()
	}
	if user.UpdatedAt.IsZero() {
		user.UpdatedAt = user.CreatedAt
	}
	hash := u.Services.Password.Bcrypt
	if hash == "" {
		hash = u.Services.Password.Argon2
	}
	now := im.Now()
	var tokens []*model.Token
	for _, t := range u.Services.Resume.LoginTokens {
		if t.HashedToken == "" {
			continue // a plain token (from Meteor before 1.0): never valid today
		}
		if t.Type == "personalAccessToken" {
			tokens = append(tokens, &model.Token{Hash: t.HashedToken, UserID: user.ID, Kind: model.TokenPersonal,
				Name: t.Name, CreatedAt: t.CreatedAt, LastTokenPart: t.LastTokenPart, BypassTwoFactor: t.BypassTwoFactor})
			continue
		}
		tok := &model.Token{Hash: t.HashedToken, UserID: user.ID, Kind: model.TokenLogin, CreatedAt: t.When}
		if im.loginExpiration > 0 && !t.When.IsZero() {
			tok.ExpiresAt = model.TimeOf(t.When.Add(im.loginExpiration))
			if now.After(tok.ExpiresAt.Time) {
				continue // expired: Rocket.Chat would refuse it too
			}
		}
		tokens = append(tokens, tok)
	}
	iu := importedUser{user: user, hash: hash, tokens: tokens}
	// services.totp and services.email2fa are kept as Rocket.Chat has them:
	// the base32 secret and the SHA-256 digests of the unused backup codes
	// (the format Liftoff stores), and whether e-mail codes are on. A TOTP
	// half set up (no secret, or only a tempSecret) is dropped.
	var st twofactor.State
	if t := u.Services.TOTP; t.Enabled && t.Secret != "" {
		st.TOTP = twofactor.TOTPState{Enabled: true, Secret: t.Secret, HashedBackup: t.HashedBackup}
	}
	if e := u.Services.Email2FA; e.Enabled {
		st.Email = twofactor.EmailState{Enabled: true, ChangedAt: e.ChangedAt.Time}
	}
	if st.TOTP.Enabled || st.Email.Enabled {
		b, err := json.Marshal(st)
		if err != nil {
			return importedUser{}, err
		}
		iu.twoFactor = b
	}
	return iu, nil
}

// rocketCatID is the id of the bot user every Rocket.Chat workspace (and
// Liftoff data directory) starts with.
const rocketCatID = "rocket.cat"

func (im *importer) writeUser(ctx context.Context, tx store.Tx, iu importedUser) (outcome, string, error) {
	u := iu.user
	if cur, err := tx.UserByID(ctx, u.ID); err == nil {
		// A fresh data directory already has the rocket.cat bot (as
		// Rocket.Chat): the one Liftoff made is replaced by the workspace's.
		if u.ID == rocketCatID && !cur.CreatedAt.Equal(u.CreatedAt.Time) {
			if hash, err := tx.PasswordHash(ctx, cur.ID); err == nil && hash == "" {
				if err := tx.UpdateUser(ctx, u); err != nil {
					return 0, "", err
				}
				return imported, "", nil
			}
		}
		// Tokens may still be missing (an import interrupted between the
		// user and their tokens cannot happen: they share a transaction).
		return existing, "", nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, "", err
	}
	// The same person already there (merging into a workspace): matched
	// by e-mail address, then by username; their records are linked to
	// the existing user, whose credentials stay as they are.
	for _, e := range u.Emails {
		if other, err := tx.UserByEmail(ctx, e.Address); err == nil {
			im.userIDs[u.ID] = other.ID
			im.matchedUsers[u.ID] = struct{}{}
			return existing, "", nil
		} else if !errors.Is(err, store.ErrNotFound) {
			return 0, "", err
		}
	}
	if other, err := tx.UserByUsername(ctx, u.Username); err == nil {
		im.userIDs[u.ID] = other.ID
		im.matchedUsers[u.ID] = struct{}{}
		return existing, "", nil
	} else if !errors.Is(err, store.ErrNotFound) {
		return 0, "", err
	}
	if err := tx.InsertUser(ctx, u); err != nil {
		return 0, "", err
	}
	if iu.hash != "" {
		if !strings.HasPrefix(iu.hash, "$2") && !strings.HasPrefix(iu.hash, "$argon2") {
			return 0, "", errors.New("the password hash is neither bcrypt nor argon2")
		}
		if err := tx.SetPasswordHash(ctx, u.ID, iu.hash); err != nil {
			return 0, "", err
		}
	}
	if iu.twoFactor != nil {
		if err := tx.PutUserService(ctx, &model.UserService{UserID: u.ID, Service: secondfactor.ServiceName,
			Data: iu.twoFactor, UpdatedAt: im.now()}); err != nil {
			return 0, "", err
		}
	}
	for _, t := range iu.tokens {
		if _, err := tx.TokenByHash(ctx, t.Hash); err == nil {
			continue
		} else if !errors.Is(err, store.ErrNotFound) {
			return 0, "", err
		}
		if err := tx.InsertToken(ctx, t); err != nil {
			return 0, "", err
		}
	}
	return imported, "", nil
}
