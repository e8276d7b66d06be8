// Generated from the server's OpenAPI document by openapi-typescript (`npm run openapi:types`). Do not edit.
export interface paths {
    "/v1/embeddings": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Embed texts (OpenAI embeddings API). */
        post: operations["postV1Embeddings"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the models this key may use. */
        get: operations["getV1Models"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/models/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Describe one model. */
        get: operations["getV1ModelsId"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/embed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Embed texts (Text Embeddings Inference). */
        post: operations["postEmbed"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Embed texts: where `@huggingface/inference` sends feature extraction for an endpoint URL (same as `POST /embed`). */
        post: operations["postRoot"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/rerank": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Rerank texts against a query (Text Embeddings Inference). */
        post: operations["postRerank"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/embed": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Embed texts (Ollama). */
        post: operations["postApiEmbed"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/api/tags": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List the models (Ollama). */
        get: operations["getApiTags"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/encode": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Embed a CBOR array of strings (Fletcher-compatible); answers Arrow. */
        post: operations["postEncode"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/encode/arrow": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Embed the `text` column of an Arrow IPC stream (Fletcher-compatible); answers Arrow. */
        post: operations["postEncodeArrow"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/health": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Liveness probe (public). */
        get: operations["getHealth"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/ready": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Readiness probe (public): 503 until every model is loaded. */
        get: operations["getReady"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/openapi.json": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** This document (public). */
        get: operations["getOpenapiJson"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** Prometheus exposition (role `metrics`). */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/keys": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** List API keys (no secrets). */
        get: operations["getAdminKeys"];
        put?: never;
        /** Create an API key. */
        post: operations["postAdminKeys"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/keys/{id}/rotate": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Issue a new key for the same principal, roles and limits. */
        post: operations["postAdminKeysIdRotate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/admin/keys/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        post?: never;
        /** Revoke an API key. */
        delete: operations["deleteAdminKeysId"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/federated/join": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Join the federation. */
        post: operations["postV1FederatedJoin"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/federated/round": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The current round. */
        get: operations["getV1FederatedRound"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/federated/model": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The global model frame. */
        get: operations["getV1FederatedModel"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/federated/commit": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Commit a key for a masked round. */
        post: operations["postV1FederatedCommit"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/federated/update": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /** Send an update frame. */
        post: operations["postV1FederatedUpdate"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/federated/status": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /** The run's status. */
        get: operations["getV1FederatedStatus"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        ApiKeyInfo: {
            id: string;
            principal: string;
            roles: ("admin" | "embed" | "metrics" | "federated")[];
            models?: string[];
            rateLimit?: {
                requestsPerMinute?: number;
                tokensPerMinute?: number;
            };
            createdAt: string;
            expiresAt?: string;
            revokedAt?: string;
            rotatedFrom?: string;
        };
        /**
         * Format: binary
         * @description Arrow IPC stream: `text` (utf8) and `embedding` (fixed_size_list<float32>[d]), one row per input in order; schema metadata `model` and `dimension`.
         */
        ArrowEmbeddings: string;
        CreateKeyRequest: {
            /** @description Who the key belongs to. */
            principal: string;
            /** @description What the key may do. */
            roles: ("admin" | "embed" | "metrics" | "federated")[];
            /** @description Model allow-list; all models when absent. */
            models?: string[] | null;
            rate_limit?: components["schemas"]["RateLimit"] | null;
            /** @description When the key stops working. */
            expires_at?: string | null;
            /** @description Lifetime from now, in seconds (not with `expires_at`). */
            expires_in_seconds?: number | null;
        };
        /** @description The texts to embed (sent as CBOR: `application/cbor`). */
        EncodeRequest: string[];
        FederatedCommitAck: {
            /** @constant */
            committed: true;
        };
        FederatedCommitRequest: {
            round: number;
            attempt: number;
            /** @description X25519 public key for this attempt, base64url (43 characters). */
            publicKey: string;
            /** @description The client's sample count for this round. */
            samples: number;
        };
        FederatedJoinInfo: {
            clientId: string;
            session: string;
            layout: components["schemas"]["ParameterLayout"];
            rounds: number;
            secure: boolean;
            clip: number;
            /** @description The model description the coordinator was started with. */
            model: unknown;
        };
        FederatedJoinRequest: {
            /** @description Rejoin under an id this client had before. */
            clientId?: string | null;
        };
        FederatedRoundInfo: {
            round: number;
            rounds: number;
            attempt: number;
            /** @enum {string} */
            phase: "collect" | "masked" | "finished";
            deadline: number;
            modelVersion: string;
            secure: boolean;
            submitted: boolean;
            committed: boolean;
            participants?: {
                id: string;
                publicKey: string;
                samples: number;
            }[];
            scale?: number;
            quorum: number;
        };
        FederatedStatus: {
            session: string;
            round: number;
            rounds: number;
            attempt: number;
            /** @enum {string} */
            phase: "collect" | "masked" | "finished";
            secure: boolean;
            quorum: number;
            clients: ({
                id: string;
            } & {
                [key: string]: unknown;
            })[];
            received: string[];
            modelVersion: string;
            history: ({
                round: number;
            } & {
                [key: string]: unknown;
            })[];
        } & {
            [key: string]: unknown;
        };
        FederatedUpdateAck: {
            round: number;
            bytes: number;
        };
        /** @description One vector per input, in input order. */
        FloatVectors: number[][];
        Health: {
            /** @constant */
            status: "ok";
        };
        IssuedKey: {
            id: string;
            principal: string;
            roles: ("admin" | "embed" | "metrics" | "federated")[];
            models?: string[];
            rateLimit?: {
                requestsPerMinute?: number;
                tokensPerMinute?: number;
            };
            createdAt: string;
            expiresAt?: string;
            revokedAt?: string;
            rotatedFrom?: string;
            /** @description The secret; shown only in this answer. */
            key: string;
        };
        KeyList: {
            keys: components["schemas"]["ApiKeyInfo"][];
        };
        OllamaEmbedRequest: {
            model: string;
            input: components["schemas"]["Texts"];
            dimensions?: number | null;
        };
        OllamaEmbedResponse: {
            model: string;
            embeddings: number[][];
            /** @description Nanoseconds. */
            total_duration: number;
            load_duration: number;
            prompt_eval_count: number;
        };
        /** @description Error body of the Ollama-dialect routes. */
        OllamaError: {
            error: string;
        };
        OllamaTags: {
            models: {
                name: string;
                model: string;
                modified_at: string;
                size: number;
                digest: string;
                details: {
                    parent_model: string;
                    format: string;
                    family: string;
                    families: null;
                    parameter_size: string;
                    quantization_level: string;
                };
            }[];
        };
        OpenAIEmbeddingsRequest: {
            /** @description A served embedding model id (`GET /v1/models`). */
            model: string;
            input: components["schemas"]["Texts"];
            /** @description `base64`: little-endian float32 bytes in base64. Default `float`. */
            encoding_format?: ("float" | "base64") | null;
            /** @description Matryoshka truncation (re-normalized); at most the model's dimension. */
            dimensions?: number | null;
            /** @description Extension: which prompt the model applies (query or document). */
            input_type?: ("query" | "document") | null;
        };
        OpenAIEmbeddingsResponse: {
            /** @constant */
            object: "list";
            data: {
                /** @constant */
                object: "embedding";
                index: number;
                /** @description Numbers, or base64 float32 bytes with `encoding_format: "base64"`. */
                embedding: number[] | string;
            }[];
            model: string;
            /** @description Tokens estimated from UTF-8 bytes. */
            usage: {
                prompt_tokens: number;
                total_tokens: number;
            };
        };
        /** @description Error body of the OpenAI-dialect routes. */
        OpenAIError: {
            error: {
                message: string;
                /** @description `invalid_request_error`, `authentication_error`, `permission_error`, `rate_limit_error` or `server_error` */
                type: string;
                /** @description For refused federated updates: which check refused it. */
                param: string | null;
                /** @description The abi-sdk error code in lower case, or OpenAI's well-known code (`invalid_api_key`, `model_not_found`, `rate_limit_exceeded`). */
                code: string;
            };
        };
        OpenAIModel: {
            id: string;
            /** @constant */
            object: "model";
            created: number;
            owned_by: string;
        };
        OpenAIModelList: {
            /** @constant */
            object: "list";
            data: components["schemas"]["OpenAIModel"][];
        };
        OpenApiDocument: {
            openapi: string;
            info: {
                title: string;
                version: string;
            } & {
                [key: string]: unknown;
            };
            paths: {
                [key: string]: unknown;
            };
        } & {
            [key: string]: unknown;
        };
        ParameterLayout: {
            name: string;
            size: number;
        }[];
        RateLimit: {
            requests_per_minute?: number | null;
            tokens_per_minute?: number | null;
        };
        Readiness: {
            /** @enum {string} */
            status: "ready" | "not ready";
            models: number;
            loaded: number;
        };
        RotateKeyRequest: {
            /** @description How long the old key keeps working. */
            grace_seconds?: number | null;
            /** @description When the key stops working. */
            expires_at?: string | null;
            /** @description Lifetime from now, in seconds (not with `expires_at`). */
            expires_in_seconds?: number | null;
        };
        TeiEmbedRequest: {
            inputs: components["schemas"]["Texts"];
            /** @description Accepted for compatibility; vectors are as the model pools them. */
            normalize?: boolean | null;
            /** @description Accepted for compatibility; inputs past the model's length are always truncated. */
            truncate?: boolean | null;
            dimensions?: number | null;
            /** @description Which prompt the model applies; `passage` is `document`. */
            prompt_name?: ("query" | "document" | "passage") | null;
            /** @description Extension: the embedding model; the first served one when absent. */
            model?: string | null;
        };
        /** @description Error body of the TEI-dialect routes. */
        TeiError: {
            error: string;
            /** @description `Validation`, `Overloaded`, `Unhealthy`, `Backend`, `Unauthorized`, `Forbidden` or `NotFound` */
            error_type: string;
        };
        TeiRerankRequest: {
            query: string;
            texts: components["schemas"]["TextList"];
            return_text?: boolean | null;
            /** @description Accepted for compatibility. */
            raw_scores?: boolean | null;
            /** @description Accepted for compatibility. */
            truncate?: boolean | null;
            /** @description Extension: the reranker; the first served one when absent. */
            model?: string | null;
        };
        TeiRerankResponse: {
            index: number;
            score: number;
            text?: string;
        }[];
        /** @description A non-empty array of texts. */
        TextList: string[];
        /** @description One text, or a non-empty array of texts (token arrays are not supported). */
        Texts: string | string[];
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type $defs = Record<string, never>;
export interface operations {
    postV1Embeddings: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OpenAIEmbeddingsRequest"];
                "application/cbor": components["schemas"]["OpenAIEmbeddingsRequest"] | string[];
            };
        };
        responses: {
            /** @description The vectors. With `Accept: application/vnd.apache.arrow.stream` the answer is an Arrow IPC stream instead. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIEmbeddingsResponse"];
                    "application/vnd.apache.arrow.stream": components["schemas"]["ArrowEmbeddings"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `embed` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    getV1Models: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The models. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIModelList"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `embed` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    getV1ModelsId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The model. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIModel"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `embed` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    postEmbed: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TeiEmbedRequest"];
                "application/cbor": components["schemas"]["TeiEmbedRequest"] | string[];
            };
        };
        responses: {
            /** @description One vector per input. With `Accept: application/vnd.apache.arrow.stream` the answer is an Arrow IPC stream instead. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FloatVectors"];
                    "application/vnd.apache.arrow.stream": components["schemas"]["ArrowEmbeddings"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description The key lacks the `embed` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
        };
    };
    postRoot: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TeiEmbedRequest"];
                "application/cbor": components["schemas"]["TeiEmbedRequest"] | string[];
            };
        };
        responses: {
            /** @description One vector per input. With `Accept: application/vnd.apache.arrow.stream` the answer is an Arrow IPC stream instead. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FloatVectors"];
                    "application/vnd.apache.arrow.stream": components["schemas"]["ArrowEmbeddings"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description The key lacks the `embed` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
        };
    };
    postRerank: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["TeiRerankRequest"];
            };
        };
        responses: {
            /** @description Scores, best first. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiRerankResponse"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description The key lacks the `embed` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
        };
    };
    postApiEmbed: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["OllamaEmbedRequest"];
                "application/cbor": components["schemas"]["OllamaEmbedRequest"] | string[];
            };
        };
        responses: {
            /** @description The vectors. With `Accept: application/vnd.apache.arrow.stream` the answer is an Arrow IPC stream instead. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaEmbedResponse"];
                    "application/vnd.apache.arrow.stream": components["schemas"]["ArrowEmbeddings"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaError"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaError"];
                };
            };
            /** @description The key lacks the `embed` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaError"];
                };
            };
        };
    };
    getApiTags: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The models. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaTags"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaError"];
                };
            };
            /** @description The key lacks the `embed` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OllamaError"];
                };
            };
        };
    };
    postEncode: {
        parameters: {
            query?: {
                /** @description The embedding model; the first served one when absent. */
                model?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/cbor": components["schemas"]["EncodeRequest"];
            };
        };
        responses: {
            /** @description The texts and their vectors as an Arrow IPC stream. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/vnd.apache.arrow.stream": components["schemas"]["ArrowEmbeddings"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description The key lacks the `embed` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
        };
    };
    postEncodeArrow: {
        parameters: {
            query?: {
                /** @description The embedding model; the first served one when absent. */
                model?: string;
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/vnd.apache.arrow.stream": string;
            };
        };
        responses: {
            /** @description The texts and their vectors as an Arrow IPC stream. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/vnd.apache.arrow.stream": components["schemas"]["ArrowEmbeddings"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description The key lacks the `embed` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            422: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["TeiError"];
                };
            };
        };
    };
    getHealth: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process answers. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    getReady: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description Not ready yet. */
            503: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    getOpenapiJson: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The OpenAPI 3.1 document of the routes this server mounts. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenApiDocument"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Metrics in the Prometheus text format. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `metrics` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    getAdminKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The keys. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["KeyList"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `admin` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    postAdminKeys: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["CreateKeyRequest"];
            };
        };
        responses: {
            /** @description The key; its secret is shown only here. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IssuedKey"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `admin` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    postAdminKeysIdRotate: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["RotateKeyRequest"];
            };
        };
        responses: {
            /** @description The new key; its secret is shown only here. */
            201: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["IssuedKey"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `admin` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    deleteAdminKeysId: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The revoked key. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ApiKeyInfo"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `admin` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    postV1FederatedJoin: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: {
            content: {
                "application/json": components["schemas"]["FederatedJoinRequest"];
            };
        };
        responses: {
            /** @description The client id and the run's parameters. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FederatedJoinInfo"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `federated` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    getV1FederatedRound: {
        parameters: {
            query?: never;
            header: {
                /** @description The client id returned by `join`. */
                "x-abi-federated-client": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The round. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FederatedRoundInfo"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `federated` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    getV1FederatedModel: {
        parameters: {
            query?: never;
            header: {
                /** @description The client id returned by `join`. */
                "x-abi-federated-client": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description A model frame (JSON header, then float32 little-endian values). */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/octet-stream": string;
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `federated` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    postV1FederatedCommit: {
        parameters: {
            query?: never;
            header: {
                /** @description The client id returned by `join`. */
                "x-abi-federated-client": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/json": components["schemas"]["FederatedCommitRequest"];
            };
        };
        responses: {
            /** @description Committed. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FederatedCommitAck"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `federated` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    postV1FederatedUpdate: {
        parameters: {
            query?: never;
            header: {
                /** @description The client id returned by `join`. */
                "x-abi-federated-client": string;
            };
            path?: never;
            cookie?: never;
        };
        requestBody: {
            content: {
                "application/octet-stream": string;
            };
        };
        responses: {
            /** @description Accepted. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FederatedUpdateAck"];
                };
            };
            /** @description The body does not fit the schema (the first wrong field is named). */
            400: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `federated` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Body, inputs or tokens past the server's limits. */
            413: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Unsupported content type. */
            415: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
    getV1FederatedStatus: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The status. */
            200: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["FederatedStatus"];
                };
            };
            /** @description Missing, unknown, expired or revoked API key (when authentication is on). */
            401: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description The key lacks the `federated` role, or may not use the model. */
            403: {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Other client errors in the route's dialect (404 unknown model, 429 rate limit with `Retry-After`). */
            "4XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
            /** @description Server errors in the route's dialect (503 busy, unhealthy or closing, with `Retry-After`). */
            "5XX": {
                headers: {
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["OpenAIError"];
                };
            };
        };
    };
}
