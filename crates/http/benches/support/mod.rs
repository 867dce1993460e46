pub mod loadgen;
