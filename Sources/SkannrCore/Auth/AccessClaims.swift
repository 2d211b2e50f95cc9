// The claims of a Skannr access token. `sub` is the account id; `typ` is always "access" so no
// other token kind the server might sign is ever accepted as one.
public struct AccessClaims: Sendable, Codable, Equatable {
    public var sub: Int64
    public var plan: String
    public var iat: Int64
    public var nbf: Int64?
    public var exp: Int64
    public var iss: String
    public var aud: String
    public var typ: String
    public var jti: String
    /// The login session (refresh-token family, hex) the token was issued for; nil in older tokens.
    public var sid: String?

    public var userID: Int64 { sub }

    public init(sub: Int64, plan: String, iat: Int64, nbf: Int64? = nil, exp: Int64, iss: String, aud: String,
                typ: String = "access", jti: String, sid: String? = nil) {
        self.sub = sub
        self.plan = plan
        self.iat = iat
        self.nbf = nbf
        self.exp = exp
        self.iss = iss
        self.aud = aud
        self.typ = typ
        self.jti = jti
        self.sid = sid
    }
}
