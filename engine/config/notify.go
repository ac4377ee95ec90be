package config

import (
	"net/url"
	"strings"
	"time"
)

// The settings of observability: where a run's metrics are pushed
// (pushgateway:) and who is told how it went (notify:).

// Notify is the webhook a run's summary is posted to.
type Notify struct {
	URL string
	// On says which runs are told: NotifyFindings (findings or a
	// failure), NotifyFailure (a failure only), NotifyAlways.
	On      string
	Timeout time.Duration
	// Headers are sent with the request (an Authorization header, say);
	// their values are secrets for logs and errors.
	Headers map[string]string
}

// When a run is notified (Notify.On).
const (
	NotifyFindings = "findings"
	NotifyFailure  = "failure"
	NotifyAlways   = "always"
)

// DefaultNotifyTimeout bounds a notification: a webhook that hangs must
// not hold the night's exit.
const DefaultNotifyTimeout = 5 * time.Second

type fileNotify struct {
	URL     string            `yaml:"url"`
	On      string            `yaml:"on"`
	Timeout string            `yaml:"timeout"`
	Headers map[string]string `yaml:"headers"`
}

var notifySchema = keysOf(fileNotify{}, nil)

// observability reads pushgateway: and notify: into c.
func (p *parser) observability(c *Config, fc *fileConfig) {
	if gw := strings.TrimSpace(fc.Pushgateway); gw != "" {
		if u, err := url.Parse(gw); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			p.fail("pushgateway", "is not an http(s) URL such as http://pushgateway:9091")
		} else {
			c.Pushgateway = gw
		}
	}
	fn := fc.Notify
	if fn == nil {
		return
	}
	n := &Notify{URL: strings.TrimSpace(fn.URL), On: strings.TrimSpace(or(fn.On, NotifyFindings)),
		Timeout: DefaultNotifyTimeout, Headers: fn.Headers}
	before := len(p.errs)
	// The URL of a chat webhook is itself a secret: errors never quote it.
	if n.URL == "" {
		p.fail("notify.url", "missing: the webhook's URL")
	} else if u, err := url.Parse(n.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail("notify.url", "is not an http(s) URL")
	}
	switch n.On {
	case NotifyFindings, NotifyFailure, NotifyAlways:
	default:
		p.fail("notify.on", "%q is not findings, failure or always", clip(n.On))
	}
	if fn.Timeout != "" {
		v, err := time.ParseDuration(strings.TrimSpace(fn.Timeout))
		if err != nil || v <= 0 {
			p.fail("notify.timeout", "%q is not a positive duration such as 5s", clip(fn.Timeout))
		} else {
			n.Timeout = v
		}
	}
	for k, v := range fn.Headers {
		if strings.TrimSpace(k) == "" || strings.ContainsAny(k, " :\r\n") {
			p.fail("notify.headers."+k, "is not a header name")
		}
		if strings.ContainsAny(v, "\r\n") {
			p.fail("notify.headers."+k, "holds a line break")
		}
		p.secrets = append(p.secrets, v)
	}
	p.secrets = append(p.secrets, n.URL)
	if len(p.errs) == before {
		c.Notify = n
	}
}
