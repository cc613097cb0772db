import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// Adds .openapi() to zod schemas so the OpenAPI document is generated from the validating schemas.
extendZodWithOpenApi(z);

export { z };
