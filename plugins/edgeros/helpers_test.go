package edgeros

import "github.com/reconhq/recon/plugins"

func queryPayment(orderNo, tradeNo string) plugins.Query {
	return plugins.Query{Kind: plugins.Payment, OrderNo: orderNo, ProviderTradeNo: tradeNo, Attempt: 1}
}

func queryRefund(orderNo, refundNo string) plugins.Query {
	return plugins.Query{Kind: plugins.Refund, OrderNo: orderNo, RefundNo: refundNo, Attempt: 1}
}
