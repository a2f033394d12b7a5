console.log("draconctl");
