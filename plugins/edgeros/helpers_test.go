package edgeros

import "github.com/reconhq/recon"

func queryPayment(orderNo, tradeNo string) recon.Query {
	return recon.Query{Kind: recon.Payment, OrderNo: orderNo, ProviderTradeNo: tradeNo, Attempt: 1}
}

func queryRefund(orderNo, refundNo string) recon.Query {
	return recon.Query{Kind: recon.Refund, OrderNo: orderNo, RefundNo: refundNo, Attempt: 1}
}
