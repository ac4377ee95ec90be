package main

// The plain clients, written from /work/shared/providers/<name>/PROTOCOL.md
// and deliberately not from recon's provider packages: what they cost is
// what the benchmark compares recon with. Each one builds the request, signs
// it, verifies what the protocol says to verify, parses the answer into a
// struct and checks that it is about the order asked.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/md5"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/reconhq/recon/plugins/helper/rsakey"
)

func cred(a account, name string) (string, error) {
	v := a.Credentials[name]
	if v == "" {
		return "", fmt.Errorf("account %s: credential %s missing", a.Name, name)
	}
	return v, nil
}

// creds returns the values of the named credentials, all of them required.
func creds(a account, names ...string) ([]string, error) {
	out := make([]string, len(names))
	for i, n := range names {
		v, err := cred(a, n)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

// post sends a JSON body with the given header pairs and returns the answer.
func post(ctx context.Context, hc *http.Client, url string, body []byte, header ...string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return do(hc, req)
}

func md5hex(parts ...string) string {
	h := md5.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// compactJSON marshals without HTML escaping, as every protocol here signs.
func compactJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// --- upay: POST JSON, Authorization "<sn> md5(body+key)".

type upayClient struct {
	hc      *http.Client
	url     string
	sn, key string
}

func newUpay(hc *http.Client, a account) (plainClient, error) {
	c, err := creds(a, "terminal_sn", "terminal_key")
	if err != nil {
		return nil, err
	}
	return &upayClient{hc: hc, url: a.URL + "/upay/v2/query", sn: c[0], key: c[1]}, nil
}

type upayAnswer struct {
	ResultCode string `json:"result_code"`
	ErrorCode  string `json:"error_code"`
	Biz        struct {
		ResultCode string `json:"result_code"`
		ErrorCode  string `json:"error_code"`
		Data       struct {
			SN          string `json:"sn"`
			ClientSN    string `json:"client_sn"`
			OrderStatus string `json:"order_status"`
			Status      string `json:"status"`
			TotalAmount string `json:"total_amount"`
			NetAmount   string `json:"net_amount"`
			FinishTime  string `json:"finish_time"`
			TradeNo     string `json:"trade_no"`
		} `json:"data"`
	} `json:"biz_response"`
}

func (c *upayClient) query(ctx context.Context, r ledgerRow) error {
	body, err := json.Marshal(struct {
		TerminalSN string `json:"terminal_sn"`
		SN         string `json:"sn,omitempty"`
		ClientSN   string `json:"client_sn,omitempty"`
	}{c.sn, r.TradeNo, r.OrderNo})
	if err != nil {
		return err
	}
	resp, err := post(ctx, c.hc, c.url, body, "Content-Type", "application/json; charset=utf-8",
		"Authorization", c.sn+" "+md5hex(string(body), c.key))
	if err != nil {
		return err
	}
	var a upayAnswer
	if err := json.Unmarshal(resp, &a); err != nil {
		return fmt.Errorf("upay answer: %w", err)
	}
	switch {
	case a.ResultCode == "500":
		return fmt.Errorf("%w: upay %s", errTransient, a.ErrorCode)
	case a.ResultCode != "200":
		return fmt.Errorf("upay result_code %s %s", a.ResultCode, a.ErrorCode)
	case a.Biz.ResultCode != "SUCCESS":
		return fmt.Errorf("upay biz %s %s", a.Biz.ResultCode, a.Biz.ErrorCode)
	case a.Biz.Data.ClientSN != r.OrderNo:
		return fmt.Errorf("upay answered about %q", a.Biz.Data.ClientSN)
	case a.Biz.Data.OrderStatus == "":
		return errors.New("upay answer without order_status")
	}
	if _, err := strconv.ParseInt(a.Biz.Data.TotalAmount, 10, 64); err != nil {
		return fmt.Errorf("upay total_amount %q", a.Biz.Data.TotalAmount)
	}
	return nil
}

// --- paypro: POST JSON {tradeNo, timestamp, sign=md5(sorted k=v... + secret)}.

type payproClient struct {
	hc               *http.Client
	url              string
	merchant, secret string
}

func newPaypro(hc *http.Client, a account) (plainClient, error) {
	c, err := creds(a, "merchant_no", "secret")
	if err != nil {
		return nil, err
	}
	return &payproClient{hc: hc, url: a.URL + "/v1/paypro/queryPayInResult", merchant: c[0], secret: c[1]}, nil
}

type payproAnswer struct {
	Code string `json:"code"`
	Msg  string `json:"msg"`
	Data *struct {
		TradeNo         string `json:"tradeNo"`
		PlatFormTradeNo string `json:"platFormTradeNo"`
		PayproTradeNo   string `json:"payproTradeNo"`
		Amount          string `json:"amount"`
		ReceivedAmount  string `json:"receivedAmount"`
		Status          string `json:"status"`
		SuccessTime     string `json:"successTime"`
	} `json:"data"`
}

func (c *payproClient) query(ctx context.Context, r ledgerRow) error {
	ts := strconv.FormatInt(time.Now().UnixMilli(), 10)
	// Keys a-z, no delimiter: timestamp before tradeNo.
	sign := md5hex("timestamp=", ts, "tradeNo=", r.OrderNo, c.secret)
	body, err := json.Marshal(struct {
		TradeNo   string `json:"tradeNo"`
		Timestamp string `json:"timestamp"`
		Sign      string `json:"sign"`
	}{r.OrderNo, ts, sign})
	if err != nil {
		return err
	}
	resp, err := post(ctx, c.hc, c.url, body, "Content-Type", "application/json", "merchantNo", c.merchant)
	if err != nil {
		return err
	}
	var a payproAnswer
	if err := json.Unmarshal(resp, &a); err != nil {
		return fmt.Errorf("paypro answer: %w", err)
	}
	switch {
	case a.Code == "5000":
		return fmt.Errorf("%w: paypro 5000 %s", errTransient, a.Msg)
	case a.Code != "0000" || a.Data == nil:
		return fmt.Errorf("paypro code %s %s", a.Code, a.Msg)
	case a.Data.TradeNo != r.OrderNo:
		return fmt.Errorf("paypro answered about %q", a.Data.TradeNo)
	case a.Data.Status == "":
		return errors.New("paypro answer without status")
	}
	return nil
}

// --- vborder: MD5-signed map, RSA-encrypted (segmented PKCS#1 v1.5) both ways.

type vborderClient struct {
	hc          *http.Client
	url         string
	customerNo  string
	signKey     string
	platformPub *rsa.PublicKey
	merchant    *rsa.PrivateKey
}

func newVborder(hc *http.Client, a account) (plainClient, error) {
	c := &vborderClient{hc: hc, url: a.URL + "/api/vborder/order/standard/qrcodeQuery"}
	var err error
	if c.customerNo, err = cred(a, "customer_no"); err != nil {
		return nil, err
	}
	if c.signKey, err = cred(a, "sign_key"); err != nil {
		return nil, err
	}
	pub, err := cred(a, "platform_public_key")
	if err != nil {
		return nil, err
	}
	if c.platformPub, err = rsakey.ParsePublic("platform_public_key", pub); err != nil {
		return nil, err
	}
	priv, err := cred(a, "merchant_private_key")
	if err != nil {
		return nil, err
	}
	if c.merchant, err = rsakey.ParsePrivate("merchant_private_key", priv); err != nil {
		return nil, err
	}
	if rk := a.Credentials["response_key"]; rk != "" && rk != "merchant_private" {
		return nil, fmt.Errorf("plain vborder client: response_key %q not supported", rk)
	}
	return c, nil
}

// vborderSign is the protocol's sign over a flat map: drop sign and empty
// values, keys sorted, k=v joined by &, then &key=<sign_key>, MD5, uppercase.
func vborderSign(fields map[string]json.RawMessage, key string) (string, error) {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		if k != "sign" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		raw := bytes.TrimSpace(fields[k])
		var v string
		switch {
		case len(raw) == 0 || raw[0] == 'n':
			continue
		case raw[0] == '"':
			if err := json.Unmarshal(raw, &v); err != nil {
				return "", fmt.Errorf("field %s: %w", k, err)
			}
		case raw[0] == '{' || raw[0] == '[':
			var c bytes.Buffer
			if err := json.Compact(&c, raw); err != nil {
				return "", fmt.Errorf("field %s: %w", k, err)
			}
			v = c.String()
		default:
			v = string(raw)
		}
		if v == "" {
			continue
		}
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(v)
		b.WriteByte('&')
	}
	b.WriteString("key=")
	b.WriteString(key)
	return strings.ToUpper(md5hex(b.String())), nil
}

type vborderEnvelope struct {
	CustomerNo string `json:"customerNo"`
	Reqmsg     string `json:"reqmsg"`
}

type vborderBusiness struct {
	ErrCode     string      `json:"errCode"`
	ErrMessage  string      `json:"errMessage"`
	OrderNo     string      `json:"orderNo"`
	PayStatus   string      `json:"payStatus"`
	CheckStatus string      `json:"checkStatus"`
	OrderAmount json.Number `json:"orderAmount"`
	PayTime     string      `json:"payTime"`
	PlatformSeq string      `json:"platformSeq"`
	PayType     string      `json:"payType"`
}

func (c *vborderClient) query(ctx context.Context, r ledgerRow) error {
	no, _ := json.Marshal(r.OrderNo)
	sign, err := vborderSign(map[string]json.RawMessage{"orderNo": no}, c.signKey)
	if err != nil {
		return err
	}
	plain, err := compactJSON(map[string]string{"orderNo": r.OrderNo, "sign": sign})
	if err != nil {
		return err
	}
	k := c.platformPub.Size()
	var ct []byte
	for p := plain; len(p) > 0; {
		n := min(len(p), k-11)
		blk, err := rsa.EncryptPKCS1v15(rand.Reader, c.platformPub, p[:n])
		if err != nil {
			return err
		}
		ct = append(ct, blk...)
		p = p[n:]
	}
	body, err := compactJSON(vborderEnvelope{CustomerNo: c.customerNo, Reqmsg: base64.StdEncoding.EncodeToString(ct)})
	if err != nil {
		return err
	}
	resp, err := post(ctx, c.hc, c.url, body, "Content-Type", "application/json;charset=UTF-8", "Accept", "application/json")
	if err != nil {
		return err
	}
	var outer struct {
		Code    string  `json:"code"`
		Success bool    `json:"success"`
		Data    *string `json:"data"`
		Msg     string  `json:"msg"`
	}
	if err := json.Unmarshal(resp, &outer); err != nil {
		return fmt.Errorf("vborder answer: %w", err)
	}
	switch {
	case outer.Code == "500":
		return fmt.Errorf("%w: vborder 500 %s", errTransient, outer.Msg)
	case outer.Code != "200" || !outer.Success || outer.Data == nil:
		return fmt.Errorf("vborder code %s %s", outer.Code, outer.Msg)
	}
	var env vborderEnvelope
	if err := json.Unmarshal([]byte(*outer.Data), &env); err != nil {
		return fmt.Errorf("vborder data: %w", err)
	}
	if env.CustomerNo != "" && env.CustomerNo != c.customerNo {
		return fmt.Errorf("vborder answer for merchant %q", env.CustomerNo)
	}
	raw, err := base64.StdEncoding.DecodeString(env.Reqmsg)
	if err != nil {
		return fmt.Errorf("vborder reqmsg: %w", err)
	}
	mk := c.merchant.Size()
	if len(raw) == 0 || len(raw)%mk != 0 {
		return fmt.Errorf("vborder reqmsg: %d bytes", len(raw))
	}
	var biz []byte
	for ; len(raw) > 0; raw = raw[mk:] {
		p, err := rsa.DecryptPKCS1v15(nil, c.merchant, raw[:mk])
		if err != nil {
			return fmt.Errorf("vborder reqmsg: %w", err)
		}
		biz = append(biz, p...)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(biz, &fields); err != nil {
		return fmt.Errorf("vborder business JSON: %w", err)
	}
	if s, ok := fields["sign"]; ok && string(s) != "null" {
		var got string
		if err := json.Unmarshal(s, &got); err != nil {
			return fmt.Errorf("vborder sign: %w", err)
		}
		want, err := vborderSign(fields, c.signKey)
		if err != nil {
			return err
		}
		if !strings.EqualFold(got, want) {
			return errors.New("vborder answer sign does not match")
		}
	}
	var b vborderBusiness
	if err := json.Unmarshal(biz, &b); err != nil {
		return fmt.Errorf("vborder business JSON: %w", err)
	}
	switch {
	case b.ErrCode != "0000":
		return fmt.Errorf("vborder errCode %s %s", b.ErrCode, b.ErrMessage)
	case b.OrderNo != r.OrderNo:
		return fmt.Errorf("vborder answered about %q", b.OrderNo)
	case b.PayStatus == "":
		return errors.New("vborder answer without payStatus")
	}
	return nil
}

// --- edgeros: signed GET (SHA256withRSA over canonical JSON), signed answer.

type edgerosClient struct {
	hc       *http.Client
	url      string
	mchNo    string
	merchant *rsa.PrivateKey
	platform *rsa.PublicKey
}

func newEdgeros(hc *http.Client, a account) (plainClient, error) {
	c := &edgerosClient{hc: hc, url: a.URL + "/pay/v1/transactions/trade"}
	var err error
	if c.mchNo, err = cred(a, "mch_no"); err != nil {
		return nil, err
	}
	priv, err := cred(a, "merchant_private_key")
	if err != nil {
		return nil, err
	}
	if c.merchant, err = rsakey.ParsePrivate("merchant_private_key", priv); err != nil {
		return nil, err
	}
	pub, err := cred(a, "platform_public_key")
	if err != nil {
		return nil, err
	}
	if c.platform, err = rsakey.ParsePublic("platform_public_key", pub); err != nil {
		return nil, err
	}
	return c, nil
}

const nonceChars = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func nonce() string {
	var buf [32]byte
	out := make([]byte, 0, 32)
	for len(out) < 32 {
		_, _ = rand.Read(buf[:])
		for _, b := range buf {
			if b < 248 && len(out) < 32 { // 248 = 4*62: no bias
				out = append(out, nonceChars[b%62])
			}
		}
	}
	return string(out)
}

type edgerosAnswer struct {
	Status      int               `json:"status"`
	Message     string            `json:"message"`
	FieldErrors json.RawMessage   `json:"fieldErrors"`
	Data        map[string]string `json:"data"`
}

func (c *edgerosClient) query(ctx context.Context, r ledgerRow) error {
	n := nonce()
	signed := map[string]string{"mch_no": c.mchNo, "mch_trade_no": r.OrderNo, "nonce": n, "sign_type": "SHA256withRSA"}
	q := url.Values{"mch_trade_no": {r.OrderNo}, "aco_pay_sdk": {"2.0.0"}, "version": {"1.0"}}
	if r.TradeNo != "" {
		signed["transaction_no"] = r.TradeNo
		q.Set("transaction_no", r.TradeNo)
	}
	msg, err := compactJSON(signed)
	if err != nil {
		return err
	}
	h := sha256.Sum256(msg)
	sig, err := rsa.SignPKCS1v15(nil, c.merchant, crypto.SHA256, h[:])
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.url+"?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	req.Header.Set("x-acopay-mch-no", c.mchNo)
	req.Header.Set("x-acopay-nonce", n)
	req.Header.Set("x-acopay-sign-type", "SHA256withRSA")
	req.Header.Set("x-acopay-sign", base64.StdEncoding.EncodeToString(sig))
	req.Header.Set("Accept", "application/json")
	resp, err := do(c.hc, req)
	if err != nil {
		return err
	}
	var a edgerosAnswer
	if err := json.Unmarshal(resp, &a); err != nil {
		return fmt.Errorf("edgeros answer: %w", err)
	}
	if a.Status != 200 || a.Message != "SUCCESS" {
		return fmt.Errorf("edgeros status %d %s", a.Status, a.Message)
	}
	// The verification string: the envelope without null members, sign taken
	// out of data, keys sorted, compact.
	sign := a.Data["sign"]
	data := make(map[string]string, len(a.Data))
	for k, v := range a.Data {
		if k != "sign" {
			data[k] = v
		}
	}
	canon := map[string]any{"data": data, "message": a.Message, "status": a.Status}
	if len(a.FieldErrors) > 0 && string(a.FieldErrors) != "null" {
		canon["fieldErrors"] = a.FieldErrors
	}
	vmsg, err := compactJSON(canon)
	if err != nil {
		return err
	}
	rawSig, err := base64.StdEncoding.DecodeString(sign)
	if err != nil || sign == "" {
		return errors.New("edgeros answer sign is not base64")
	}
	vh := sha256.Sum256(vmsg)
	switch {
	case rsa.VerifyPKCS1v15(c.platform, crypto.SHA256, vh[:], rawSig) != nil:
		return errors.New("edgeros answer signature does not verify")
	case a.Data["sign_type"] != "SHA256withRSA":
		return fmt.Errorf("edgeros sign_type %q", a.Data["sign_type"])
	case a.Data["nonce"] != n:
		return errors.New("edgeros answer does not echo the nonce")
	case a.Data["mch_trade_no"] != r.OrderNo:
		return fmt.Errorf("edgeros answered about %q", a.Data["mch_trade_no"])
	case a.Data["code"] == "":
		return errors.New("edgeros answer without code")
	}
	return nil
}
