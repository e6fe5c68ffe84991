#!/bin/sh
# a key pair's id is its name
terraform import stratus_keypair.example <name>
