import NIOCore

/// The OpenAPI document of the REST API, served at `GET /openapi.yaml` without a token
/// (SPEC §5). Its text lives in docs/openapi.yaml; scripts/openapi embeds it as a string in
/// OpenAPIDocument+Generated.swift, so the binary needs no resource bundle and the served
/// document is the reviewed one, byte for byte.
enum OpenAPIDocument {
    /// RFC 9512's media type for YAML.
    static let contentType = "application/yaml"

    /// Built once; each answer gets a cheap copy-on-write view of the same storage.
    static let body = ByteBuffer(string: yaml)
}
