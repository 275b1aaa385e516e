"""The OpenAPI document at /schema/openapi.json describes every API v1 endpoint, its fields and its
problem answers; /schema is a page a person can read."""

from __future__ import annotations

PATHS = {
    "/api/v1/products": {"get", "post"},
    "/api/v1/products/{product_id}": {"get"},
    "/api/v1/warehouses": {"get"},
    "/api/v1/stock": {"get"},
    "/api/v1/documents": {"get"},
    "/api/v1/documents/receipts": {"post"},
    "/api/v1/documents/transfers": {"post"},
    "/api/v1/documents/write-offs": {"post"},
    "/api/v1/documents/inventories": {"post"},
    "/api/v1/documents/{document_id}": {"get"},
    "/api/v1/documents/{document_id}/post": {"post"},
    "/api/v1/documents/{document_id}/unpost": {"post"},
    "/api/v1/delivery/slots": {"get"},
}


async def _document(client) -> dict:
    response = await client.get("/schema/openapi.json")
    assert response.status_code == 200, response.text
    return response.json()


def _resolve(doc: dict, schema: dict) -> dict:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _fields(doc: dict, schema: dict, seen: set[str] | None = None) -> set[str]:
    """Every property name reachable from a schema (through $ref, arrays, oneOf and nested objects)."""
    seen = set() if seen is None else seen
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        if name in seen:
            return set()
        seen.add(name)
        schema = _resolve(doc, schema)
    names = set(schema.get("properties", {}))
    for sub in [*schema.get("properties", {}).values(), *schema.get("oneOf", []), *schema.get("anyOf", [])]:
        names |= _fields(doc, sub, seen)
    if "items" in schema:
        names |= _fields(doc, schema["items"], seen)
    if isinstance(schema.get("additionalProperties"), dict):
        names |= _fields(doc, schema["additionalProperties"], seen)
    return names


def _body(doc: dict, path: str) -> set[str]:
    return _fields(doc, doc["paths"][path]["post"]["requestBody"]["content"]["application/json"]["schema"])


def _answer(doc: dict, path: str, method: str, status: str) -> set[str]:
    content = doc["paths"][path][method]["responses"][status]["content"]
    return _fields(doc, next(iter(content.values()))["schema"])


async def test_every_api_path_is_described_and_needs_a_bearer_token(client):
    doc = await _document(client)
    assert doc["openapi"].startswith("3.") and doc["info"]["title"] == "Kladovka API"
    api = {path: set(ops) for path, ops in doc["paths"].items() if path.startswith("/api/")}
    for path, methods in PATHS.items():
        assert methods <= api.get(path, set()), (path, api.get(path))
    assert doc["components"]["securitySchemes"]["BearerToken"]["scheme"] == "bearer"
    for path, operations in doc["paths"].items():
        for method, operation in operations.items():
            if path.startswith("/api/"):
                assert operation.get("security") == [{"BearerToken": []}], (path, method)
                assert {"401", "403"} <= set(operation["responses"]), (path, method)


async def test_request_and_response_schemas_name_the_fields(client):
    doc = await _document(client)
    assert {"name", "variants", "sku", "barcodes", "code", "multiplier", "prices", "prices_kopecks"} <= _body(
        doc, "/api/v1/products")
    assert {"id", "variants", "sku"} <= _answer(doc, "/api/v1/products", "post", "201")
    assert {"items", "total", "next_offset", "sku", "barcodes", "retail_price", "on_hand", "available"} <= _answer(
        doc, "/api/v1/products", "get", "200")
    assert {"product", "variants", "sku", "barcodes", "multiplier", "prices", "stock", "on_hand", "reserved",
            "available", "avg_cost"} <= _answer(doc, "/api/v1/products/{product_id}", "get", "200")
    for kind in ("receipts", "transfers", "write-offs", "inventories"):
        path = f"/api/v1/documents/{kind}"
        assert {"warehouse", "dest_warehouse", "lines", "sku", "barcode", "qty", "bin", "dest_bin", "price",
                "reason", "post"} <= _body(doc, path)
        assert {"id", "number", "status", "lines", "moves", "qty", "price", "cost"} <= _answer(doc, path, "post",
                                                                                            "201")
        assert {"400", "409", "422"} <= set(doc["paths"][path]["post"]["responses"])
    assert {"sku", "on_hand", "reserved", "available", "warehouses", "bins"} <= _answer(doc, "/api/v1/stock", "get",
                                                                                        "200")
    assert {"code", "name", "bins", "address"} <= _answer(doc, "/api/v1/warehouses", "get", "200")
    stock_params = {p["name"] for p in doc["paths"]["/api/v1/stock"]["get"]["parameters"]}
    assert {"sku", "barcode"} <= stock_params


async def test_problem_answers_are_described_as_rfc_9457(client):
    doc = await _document(client)
    response = doc["paths"]["/api/v1/documents/write-offs"]["post"]["responses"]["409"]
    assert list(response["content"]) == ["application/problem+json"]
    fields = _answer(doc, "/api/v1/documents/write-offs", "post", "422")
    assert {"type", "title", "status", "detail", "instance", "errors", "field"} <= fields


async def test_the_schema_page_opens_without_a_login(client):
    page = await client.get("/schema")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert (await client.get("/schema/openapi.json")).headers["content-type"].startswith("application/")
