#!/bin/sh
terraform import stratus_network.example <network_id>
