//! Integration tests of the sandbox over real HTTP on a loopback port, through the real AWS SDK
//! clients wherever AWS has one.

// A failed unwrap is how a test helper reports a broken precondition.
#![allow(clippy::unwrap_used)]

mod access;
mod apigw;
mod apigw_authorizers;
mod apigw_rest;
mod apigw_stage_variables;
mod apigw_websocket;
mod client;
mod cognito;
mod cognito_srp;
mod dynamodb_items;
mod dynamodb_reads;
mod dynamodb_rules;
mod dynamodb_storage;
mod dynamodb_tables;
mod fixture;
mod iam;
mod iam_authorization;
mod jwt_authorizers;
mod lambda;
mod lambda_authorizers;
mod lambda_cpu;
mod logs;
mod names;
mod outside_clients;
mod rest_authorizers;
mod rest_cache;
mod rest_canary;
mod rest_gateway_responses;
mod rest_lab;
mod rest_mapping;
mod rest_service_integrations;
mod rest_usage;
mod rest_validation;
mod s3;
mod s3_cli;
mod server;
mod starvation;
mod store_failure;
mod sts;
mod survival;
mod websocket;
mod websocket_callbacks;
