// Stripe's form encoding: bracket syntax for lists and dictionaries, percent-encoding of values.
import Billing
import Testing

@Suite("Form encoding")
struct FormEncodingTests {
    @Test("nested lists and dictionaries use Stripe's bracket syntax in order")
    func brackets() {
        let body = FormEncoding.encode([
            ("mode", "subscription"),
            ("line_items", .list([.dictionary([("price", "price_123"), ("quantity", "1")])])),
            ("subscription_data", .dictionary([("metadata", .dictionary([("account_id", "7")]))])),
        ])
        #expect(body == "mode=subscription&line_items[0][price]=price_123&line_items[0][quantity]=1&subscription_data[metadata][account_id]=7")
    }

    @Test("values are percent-encoded, including brackets, ampersands and non-ASCII")
    func escaping() {
        let body = FormEncoding.encode([
            ("success_url", "https://x.test/ok?session_id={CHECKOUT_SESSION_ID}&a=b c"),
            ("name", "Zoë [admin]"),
        ])
        #expect(body == "success_url=https%3A%2F%2Fx.test%2Fok%3Fsession_id%3D%7BCHECKOUT_SESSION_ID%7D%26a%3Db%20c&name=Zo%C3%AB%20%5Badmin%5D")
    }

    @Test("several list entries are numbered from zero")
    func listIndexes() {
        let pairs = FormEncoding.pairs([("items", .list([.dictionary([("id", "si_1")]), .dictionary([("price", "p_2")])]))])
        #expect(pairs.map(\.0) == ["items[0][id]", "items[1][price]"])
        #expect(pairs.map(\.1) == ["si_1", "p_2"])
    }
}
