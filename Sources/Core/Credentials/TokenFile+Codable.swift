#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension TokenFile {
    /// A value of `tokens.json` as `JSONDecoder` reads it, of whatever JSON type it has, so that
    /// each field of the wrong type gets its own message (a `Decodable` struct of typed fields
    /// would fail on the first with a generic one).
    enum Field: Decodable, Equatable {
        case null
        case bool(Bool)
        case number(Double)
        case string(String)
        case array([Field])
        case object([String: Field])

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if container.decodeNil() {
                self = .null
            } else if let value = try? container.decode(Bool.self) {
                self = .bool(value)
            } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else if let value = try? container.decode(String.self) {
                self = .string(value)
            } else if let value = try? container.decode([Field].self) {
                self = .array(value)
            } else {
                self = .object(try container.decode([String: Field].self))
            }
        }

        var string: String? { if case .string(let value) = self { value } else { nil } }
        var number: Double? { if case .number(let value) = self { value } else { nil } }
        var list: [Field]? { if case .array(let value) = self { value } else { nil } }
        var members: [String: Field]? { if case .object(let value) = self { value } else { nil } }
        var isNull: Bool { self == .null }
    }

    /// The seeds' form as `maximize` writes it: absent values as `null` for the required fields,
    /// left out for the optional ones; `expires_at` and `obtained_at` in whole seconds.
    struct SeedsForm: Encodable {
        enum Keys: String, CodingKey {
            case scopes
            case apiKey = "api_key"
            case accessToken = "access_token"
            case refreshToken = "refresh_token"
            case expiresAt = "expires_at"
            case subscriptionType = "subscription_type"
            case obtainedAt = "obtained_at"
        }

        let credential: Credential

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            switch credential {
            case .apiKey(let key):
                try container.encode(key.value, forKey: .apiKey)
            case .oauth(let token):
                try container.encode(token.accessToken.value, forKey: .accessToken)
                try container.encode(token.refreshToken?.value, forKey: .refreshToken)
                try container.encode(token.expiresAt.map { Int($0) }, forKey: .expiresAt)
                try container.encodeIfPresent(token.scopes, forKey: .scopes)
                try container.encodeIfPresent(token.subscriptionType, forKey: .subscriptionType)
                try container.encodeIfPresent(token.obtainedAt.map { Int($0) }, forKey: .obtainedAt)
            }
        }
    }

    /// Decodes the file's JSON; an error names the line and column when the byte-range parser can
    /// tell them (never the content, which holds secrets).
    static func decode(_ bytes: [UInt8], path: String) throws(CredentialError) -> Field {
        do {
            return try JSONDecoder().decode(Field.self, from: Data(bytes))
        } catch {
            var position = ""
            do {
                _ = try JSONParser.parse(bytes)
            } catch {
                position = " at line \(error.line), column \(error.column)"
            }
            throw CredentialError.invalidFile(path: path, reason: "is not valid JSON\(position)")
        }
    }

    /// The seeds' form of `credential`, one line.
    static func encode(_ credential: Credential) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // Strings and integers only: encoding cannot fail.
        var bytes = (try? Array(encoder.encode(SeedsForm(credential: credential)))) ?? Array("{}".utf8)
        bytes.append(0x0A)
        return bytes
    }
}
