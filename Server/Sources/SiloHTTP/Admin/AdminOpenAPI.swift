/// The admin API's OpenAPI 3 document, served at `GET /-/admin/v1/openapi.json`.
enum AdminOpenAPI {
    static let document = #"""
{
 "openapi": "3.0.3",
 "info": {
  "title": "Silo admin API",
  "version": "1",
  "description": "RAM users, access keys, roles, policies and policy simulation. Requests are signed like OSS requests (V1 or V4) with bucket '-' and key 'admin/v1/<path>', and authorized by RAM policy (x-ram-action names the action); the account root may do anything."
 },
 "servers": [
  {
   "url": "/-/admin/v1"
  }
 ],
 "paths": {
  "/users": {
   "get": {
    "summary": "List users",
    "x-ram-action": "ram:ListUsers",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/User"
         }
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   },
   "post": {
    "summary": "Create a user",
    "x-ram-action": "ram:CreateUser",
    "responses": {
     "201": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CreateUser"
       }
      }
     }
    }
   }
  },
  "/users/{name}": {
   "parameters": [
    {
     "name": "name",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "get": {
    "summary": "Get a user",
    "x-ram-action": "ram:GetUser",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/User"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   },
   "delete": {
    "summary": "Delete a user, its keys and attachments",
    "x-ram-action": "ram:DeleteUser",
    "responses": {
     "204": {
      "description": "Done"
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   }
  },
  "/users/{name}/keys": {
   "parameters": [
    {
     "name": "name",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "get": {
    "summary": "List a user's access keys",
    "x-ram-action": "ram:ListAccessKeys",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/AccessKey"
         }
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   },
   "post": {
    "summary": "Create an access key; the secret is returned only here",
    "x-ram-action": "ram:CreateAccessKey",
    "responses": {
     "201": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/AccessKey"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   }
  },
  "/users/{name}/keys/{id}": {
   "parameters": [
    {
     "name": "name",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    },
    {
     "name": "id",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "put": {
    "summary": "Enable or disable a key",
    "x-ram-action": "ram:UpdateAccessKey",
    "responses": {
     "204": {
      "description": "Done"
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/UpdateKey"
       }
      }
     }
    }
   },
   "delete": {
    "summary": "Delete a key",
    "x-ram-action": "ram:DeleteAccessKey",
    "responses": {
     "204": {
      "description": "Done"
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   }
  },
  "/users/{name}/policies": {
   "parameters": [
    {
     "name": "name",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "get": {
    "summary": "Policies attached to a user",
    "x-ram-action": "ram:ListPoliciesForUser",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Names"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   }
  },
  "/users/{name}/policies/{policy}": {
   "parameters": [
    {
     "name": "name",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    },
    {
     "name": "policy",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "put": {
    "summary": "Attach a policy to a user",
    "x-ram-action": "ram:AttachPolicyToUser",
    "responses": {
     "204": {
      "description": "Done"
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   },
   "delete": {
    "summary": "Detach a policy from a user",
    "x-ram-action": "ram:DetachPolicyFromUser",
    "responses": {
     "204": {
      "description": "Done"
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   }
  },
  "/roles": {
   "get": {
    "summary": "List roles",
    "x-ram-action": "ram:ListRoles",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Role"
         }
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   },
   "post": {
    "summary": "Create a role",
    "x-ram-action": "ram:CreateRole",
    "responses": {
     "201": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Role"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CreateRole"
       }
      }
     }
    }
   }
  },
  "/roles/{name}": {
   "parameters": [
    {
     "name": "name",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "get": {
    "summary": "Get a role",
    "x-ram-action": "ram:GetRole",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Role"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   },
   "delete": {
    "summary": "Delete a role and its attachments",
    "x-ram-action": "ram:DeleteRole",
    "responses": {
     "204": {
      "description": "Done"
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   }
  },
  "/roles/{name}/policies": {
   "parameters": [
    {
     "name": "name",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "get": {
    "summary": "Policies attached to a role",
    "x-ram-action": "ram:ListPoliciesForRole",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Names"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   }
  },
  "/roles/{name}/policies/{policy}": {
   "parameters": [
    {
     "name": "name",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    },
    {
     "name": "policy",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "put": {
    "summary": "Attach a policy to a role",
    "x-ram-action": "ram:AttachPolicyToRole",
    "responses": {
     "204": {
      "description": "Done"
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   },
   "delete": {
    "summary": "Detach a policy from a role",
    "x-ram-action": "ram:DetachPolicyFromRole",
    "responses": {
     "204": {
      "description": "Done"
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   }
  },
  "/policies": {
   "get": {
    "summary": "List policies",
    "x-ram-action": "ram:ListPolicies",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "type": "array",
         "items": {
          "$ref": "#/components/schemas/Policy"
         }
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   },
   "post": {
    "summary": "Create a policy",
    "x-ram-action": "ram:CreatePolicy",
    "responses": {
     "201": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Policy"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/CreatePolicy"
       }
      }
     }
    }
   }
  },
  "/policies/{name}": {
   "parameters": [
    {
     "name": "name",
     "in": "path",
     "required": true,
     "schema": {
      "type": "string"
     }
    }
   ],
   "get": {
    "summary": "Get a policy",
    "x-ram-action": "ram:GetPolicy",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Policy"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   },
   "delete": {
    "summary": "Delete a policy that is attached nowhere",
    "x-ram-action": "ram:DeletePolicy",
    "responses": {
     "204": {
      "description": "Done"
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   }
  },
  "/simulate": {
   "post": {
    "summary": "Explain a decision: which statement allows or denies an action on a resource",
    "x-ram-action": "ram:SimulatePolicy",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Simulation"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    },
    "requestBody": {
     "required": true,
     "content": {
      "application/json": {
       "schema": {
        "$ref": "#/components/schemas/Simulate"
       }
      }
     }
    }
   }
  },
  "/stats": {
   "get": {
    "summary": "Requests in flight on the OSS listener, their peak since start, and the count served",
    "x-ram-action": "silo:GetServerStats",
    "responses": {
     "200": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/ServerStats"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   }
  },
  "/sts/keys": {
   "post": {
    "summary": "Rotate the STS token key; older keys keep verifying their tokens",
    "x-ram-action": "sts:RotateTokenKey",
    "responses": {
     "201": {
      "description": "OK",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/TokenKey"
        }
       }
      }
     },
     "default": {
      "description": "Error",
      "content": {
       "application/json": {
        "schema": {
         "$ref": "#/components/schemas/Failure"
        }
       }
      }
     }
    }
   }
  },
  "/openapi.json": {
   "get": {
    "summary": "This document",
    "security": [],
    "responses": {
     "200": {
      "description": "OpenAPI 3",
      "content": {
       "application/json": {
        "schema": {
         "type": "object"
        }
       }
      }
     }
    }
   }
  }
 },
 "components": {
  "schemas": {
   "User": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "id": {
      "type": "string"
     },
     "displayName": {
      "type": "string"
     },
     "createdAt": {
      "type": "string"
     }
    }
   },
   "AccessKey": {
    "type": "object",
    "properties": {
     "accessKeyId": {
      "type": "string"
     },
     "userName": {
      "type": "string"
     },
     "status": {
      "type": "string",
      "enum": [
       "Active",
       "Inactive"
      ]
     },
     "createdAt": {
      "type": "string"
     },
     "accessKeySecret": {
      "type": "string"
     }
    }
   },
   "Role": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "id": {
      "type": "string"
     },
     "arn": {
      "type": "string"
     },
     "trustPolicy": {
      "type": "string"
     },
     "maxSessionDuration": {
      "type": "integer",
      "format": "int64"
     },
     "description": {
      "type": "string"
     },
     "createdAt": {
      "type": "string"
     }
    }
   },
   "Policy": {
    "type": "object",
    "properties": {
     "name": {
      "type": "string"
     },
     "document": {
      "type": "string"
     },
     "description": {
      "type": "string"
     },
     "createdAt": {
      "type": "string"
     }
    }
   },
   "Names": {
    "type": "object",
    "properties": {
     "names": {
      "type": "array",
      "items": {
       "type": "string"
      }
     }
    }
   },
   "CreateUser": {
    "type": "object",
    "required": [
     "name"
    ],
    "properties": {
     "name": {
      "type": "string"
     },
     "displayName": {
      "type": "string"
     }
    }
   },
   "UpdateKey": {
    "type": "object",
    "required": [
     "status"
    ],
    "properties": {
     "status": {
      "type": "string",
      "enum": [
       "Active",
       "Inactive"
      ]
     }
    }
   },
   "CreateRole": {
    "type": "object",
    "required": [
     "name"
    ],
    "properties": {
     "name": {
      "type": "string"
     },
     "trustPolicy": {
      "type": "string"
     },
     "maxSessionDuration": {
      "type": "integer",
      "format": "int64"
     },
     "description": {
      "type": "string"
     }
    }
   },
   "CreatePolicy": {
    "type": "object",
    "required": [
     "name",
     "document"
    ],
    "properties": {
     "name": {
      "type": "string"
     },
     "document": {
      "type": "string"
     },
     "description": {
      "type": "string"
     }
    }
   },
   "Simulate": {
    "type": "object",
    "required": [
     "principal",
     "action",
     "resource"
    ],
    "properties": {
     "principal": {
      "type": "string",
      "description": "root, anonymous, user/<name> or role/<name>[/<session>]"
     },
     "action": {
      "type": "string"
     },
     "resource": {
      "type": "string"
     },
     "context": {
      "type": "object",
      "additionalProperties": {
       "type": "array",
       "items": {
        "type": "string"
       }
      }
     },
     "sessionPolicy": {
      "type": "string"
     },
     "bucketPolicy": {
      "type": "string"
     }
    }
   },
   "Simulation": {
    "type": "object",
    "properties": {
     "allowed": {
      "type": "boolean"
     },
     "decision": {
      "type": "string"
     },
     "decidedBy": {
      "type": "object",
      "properties": {
       "policy": {
        "type": "string"
       },
       "statement": {
        "type": "integer"
       },
       "sid": {
        "type": "string"
       },
       "effect": {
        "type": "string"
       }
      }
     }
    }
   },
   "ServerStats": {
    "type": "object",
    "properties": {
     "inFlight": {
      "type": "integer"
     },
     "peak": {
      "type": "integer"
     },
     "served": {
      "type": "integer"
     }
    }
   },
   "TokenKey": {
    "type": "object",
    "properties": {
     "keyId": {
      "type": "string"
     }
    }
   },
   "Failure": {
    "type": "object",
    "properties": {
     "code": {
      "type": "string"
     },
     "message": {
      "type": "string"
     },
     "requestId": {
      "type": "string"
     }
    }
   }
  },
  "securitySchemes": {
   "ossSignature": {
    "type": "apiKey",
    "in": "header",
    "name": "Authorization",
    "description": "OSS V1 or V4 signature"
   }
  }
 },
 "security": [
  {
   "ossSignature": []
  }
 ]
}
"""#
}
