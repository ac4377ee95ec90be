// Package recon is the vocabulary every layer of recon speaks: the ledger
// row, the query sent about it, the provider's reply and its outcome, the
// states both sides are mapped to, and the judged result with its verdict,
// severity and action.
//
// The data path passes these types along rather than copying them field by
// field: the ledger emits a Row, the engine turns it into a Query, a
// provider plugin answers with a Reply, the rules read Row and Reply and
// return a Judgement, the store persists the Result and the Reply behind
// it, and the report renders Results. Types that are stored carry JSON tags;
// the store versions their encoding as a whole (store.SchemaVersion).
//
// Money is integer minor units of a currency everywhere (package
// plugins/money parses and formats it); no type here holds a float.
package recon
