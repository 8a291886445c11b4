//! DynamoDB (awsJson 1.0, `DynamoDB_20120810.*`).

pub mod error;
pub mod expr;
pub mod number;
pub mod value;
