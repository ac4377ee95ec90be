package main

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/reconhq/recon/engine/config"
	"github.com/reconhq/recon/store"
)

// What the commands need before they work: the config and the store. Each
// command says which it needs and how; none of these asks which command
// it serves.

// configPath returns --config, for a command that cannot do without one.
func configPath(c *cli.Context) (string, error) {
	path := c.String("config")
	if path == "" {
		return "", usagef("pass --config FILE or set RECON_CONFIG", "%s needs a config file", commandPath(c))
	}
	return path, nil
}

// loadConfig loads --config, which the command requires, secrets and all:
// the command starts plugins.
func loadConfig(c *cli.Context) (*config.Config, error) {
	path, err := configPath(c)
	if err != nil {
		return nil, err
	}
	return config.Load(path, nil)
}

// loadConfigIfGiven loads --config without its secrets when it is given,
// for a command that starts no plugin and works without a config too.
func loadConfigIfGiven(c *cli.Context) (*config.Config, error) {
	if c.String("config") == "" {
		return nil, nil
	}
	return loadConfigWithoutSecrets(c.String("config"))
}

// unsetSecret stands in for a credential whose variable is not set, or
// whose file cannot be read.
const unsetSecret = "(not set: this command starts no plugin)"

// loadConfigWithoutSecrets loads a config for a command that starts no
// plugin (replay, rules, the commands that read the store): a credential
// whose ${VAR} is not set, or whose X_file cannot be read, gets a
// placeholder instead of being an error, so that rules can be tried and
// runs read where the secrets are not. Any other problem is still an error.
func loadConfigWithoutSecrets(path string) (*config.Config, error) {
	placeholder := map[string]bool{}
	getenv := func(name string) (string, bool) {
		if v, ok := os.LookupEnv(name); ok {
			return v, true
		}
		if placeholder[name] {
			return unsetSecret, true
		}
		return "", false
	}
	for {
		cfg, err := config.LoadWithPlaceholder(path, getenv, unsetSecret)
		if err == nil {
			return cfg, nil
		}
		names, ok := unsetCredentialVars(err)
		if !ok {
			return nil, err // a problem a placeholder does not cure
		}
		for _, n := range names {
			if placeholder[n] {
				return nil, err // a placeholder that did not cure it
			}
			placeholder[n] = true
		}
	}
}

// unsetCredentialVars names the variables of err's credentials that are
// not set, when that is all that is wrong with the config.
func unsetCredentialVars(err error) ([]string, bool) {
	var list config.Errors
	if !errors.As(err, &list) {
		var one *config.Error
		if !errors.As(err, &one) {
			return nil, false
		}
		list = config.Errors{one}
	}
	var names []string
	for _, e := range list {
		var unset *config.EnvError
		if !errors.As(e, &unset) || !strings.Contains(e.Key, ".credentials.") {
			return nil, false
		}
		names = append(names, unset.Name)
	}
	return names, len(names) > 0
}

// storeLockWait is how long a command waits for another process to let go
// of the store before it fails with store.ErrLocked.
const storeLockWait = 2 * time.Second

// storePath picks the store: --store, else the config's, else ./recon.db.
func storePath(c *cli.Context, cfg *config.Config) string {
	if p := c.String("store"); p != "" {
		return p
	}
	if cfg != nil && cfg.Store != "" {
		return cfg.Store
	}
	return "recon.db"
}

// openStore opens the store a command writes runs into (cfg's, unless
// --store says otherwise), creating it if need be.
func openStore(c *cli.Context, cfg *config.Config) (*store.DB, error) {
	db, err := store.Open(storePath(c, cfg), storeLockWait)
	if err == nil {
		_ = db.SetOwner(c.Command.Name, "") // best effort: it only names the holder
	}
	return db, err
}

// openStoredRuns opens the store of a command that reads the runs stored
// there. Only the store's path is needed from the config, so it is read
// without its secrets; and a store that does not exist is an error, not a
// new empty file. It opens the store read-only: readers share it, a run
// waits for them, and a store on a read-only mount reads.
func openStoredRuns(c *cli.Context) (*store.DB, error) {
	p, err := storedRunsPath(c)
	if err != nil {
		return nil, err
	}
	return store.OpenReadOnly(p, storeLockWait)
}

// openStoredRunsForWriting is openStoredRuns for a command that changes
// the runs stored (prune).
func openStoredRunsForWriting(c *cli.Context) (*store.DB, error) {
	p, err := storedRunsPath(c)
	if err != nil {
		return nil, err
	}
	db, err := store.Open(p, storeLockWait)
	if err == nil {
		_ = db.SetOwner(c.Command.Name, "")
	}
	return db, err
}

// storedRunsPath is the store of a command that reads the runs stored there.
func storedRunsPath(c *cli.Context) (string, error) {
	var cfg *config.Config
	if c.String("store") == "" {
		var err error
		if cfg, err = loadConfigIfGiven(c); err != nil {
			return "", err
		}
	}
	p := storePath(c, cfg)
	if _, err := os.Stat(p); errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("store %s does not exist: no run has been stored there yet", p)
	}
	return p, nil
}
