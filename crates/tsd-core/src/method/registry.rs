//! The methods tsd knows, in the order tables list them. Adding a method is
//! its folder plus one line here.

use super::MethodId;
use crate::matched_z::MatchedZ;
use crate::mathieu::Mathieu;
use crate::two_step::TwoStep;

/// Every method, in table order.
pub static METHODS: [MethodId; 3] = [MethodId(&TwoStep), MethodId(&Mathieu), MethodId(&MatchedZ)];
